import sharp from 'sharp';

import { SharpCodec } from '../src/providers/sharp-codec';

/**
 * Photos as real phones and apps write them, made here with sharp, through the codec the
 * service verifies uploads with. What decodes is taken and re-encoded; what does not is refused.
 */
const codec = new SharpCodec(8_000);
const W = 120;
const H = 80;

/** A picture whose left half differs from its right, so a rotation shows in the pixels. */
function pixels(channels: 3 | 4 = 3): Buffer {
  const raw = Buffer.alloc(W * H * channels);
  for (let y = 0; y < H; y += 1) {
    for (let x = 0; x < W; x += 1) {
      const at = (y * W + x) * channels;
      raw[at] = x < W / 2 ? 220 : 20;
      raw[at + 1] = (x * 2 + y) % 256;
      raw[at + 2] = y < H / 2 ? 40 : 200;
      if (channels === 4) raw[at + 3] = x < 10 ? 0 : 255;
    }
  }
  return raw;
}

const image = (channels: 3 | 4 = 3) => sharp(pixels(channels), { raw: { width: W, height: H, channels } });

/** Inserts bytes just before the first `0xFF marker`, as some Android cameras' encoders do. */
function strayBytesBefore(jpeg: Buffer, marker: number): Buffer {
  const at = jpeg.indexOf(Buffer.from([0xff, marker]), 2);
  return Buffer.concat([jpeg.subarray(0, at), Buffer.from([0x00, 0x17, 0x2a]), jpeg.subarray(at)]);
}

describe('photos straight from phones', () => {
  test.each([
    ['before the start of scan (0xDA)', 0xda],
    ['before a Huffman table (0xC4)', 0xc4],
    ['before a quantization table (0xDB)', 0xdb],
  ])('a JPEG with stray bytes %s decodes (libjpeg only warns) and is re-encoded clean', async (_where, marker) => {
    const odd = strayBytesBefore(await image().jpeg().toBuffer(), marker);
    await expect(sharp(odd, { failOn: 'warning' }).toBuffer()).rejects.toThrow(/extraneous bytes before marker/);
    const out = await codec.normalizePhoto(odd, 'image/jpeg');
    expect(out).toBeDefined();
    expect([out!.width, out!.height]).toEqual([W, H]);
    await expect(sharp(out!.image, { failOn: 'warning' }).metadata()).resolves.toMatchObject({
      format: 'jpeg',
      width: W,
      height: H,
    });
  });

  test('a CMYK JPEG is taken and comes out as sRGB', async () => {
    const cmyk = await image().toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const out = await codec.normalizePhoto(cmyk, 'image/jpeg');
    expect((await sharp(out!.image).metadata()).space).toBe('srgb');
  });

  test('a progressive JPEG is taken', async () => {
    const progressive = await image().jpeg({ progressive: true }).toBuffer();
    expect((await sharp(progressive).metadata()).isProgressive).toBe(true);
    expect((await codec.normalizePhoto(progressive, 'image/jpeg'))?.width).toBe(W);
  });

  test.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'EXIF orientation %i is applied to the pixels and the tag dropped',
    async (orientation) => {
      const tagged = await image().withMetadata({ orientation }).jpeg().toBuffer();
      expect((await sharp(tagged).metadata()).orientation).toBe(orientation);
      const out = await codec.normalizePhoto(tagged, 'image/jpeg');
      const meta = await sharp(out!.image).metadata();
      // 5–8 turn the picture a quarter: width and height swap.
      expect([meta.width, meta.height]).toEqual(orientation >= 5 ? [H, W] : [W, H]);
      expect(meta.orientation).toBeUndefined();
      expect(meta.exif).toBeUndefined();
    },
  );

  test('a 16-bit PNG is taken', async () => {
    const deep = await image().toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const out = await codec.normalizePhoto(deep, 'image/png');
    expect([out!.width, out!.height]).toEqual([W, H]);
  });

  test('a PNG and a WebP with alpha keep their transparency', async () => {
    for (const [type, body] of [
      ['image/png', await image(4).png().toBuffer()],
      ['image/webp', await image(4).webp().toBuffer()],
    ] as const) {
      const out = await codec.normalizePhoto(body, type);
      const meta = await sharp(out!.image).metadata();
      expect([type, meta.hasAlpha]).toEqual([type, true]);
    }
  });

  test('an animated WebP and an animated GIF give their first frame', async () => {
    // Two frames of one strip, raw pixels with a page height: how sharp makes an animation.
    const strip = Buffer.concat([pixels(3), pixels(3).map((v) => 255 - v)]);
    const animation = () => sharp(strip, { raw: { width: W, height: H * 2, channels: 3, pageHeight: H } });
    for (const [type, body] of [
      [
        'image/webp',
        await animation()
          .webp({ loop: 0, delay: [100, 100] })
          .toBuffer(),
      ],
      [
        'image/gif',
        await animation()
          .gif({ loop: 0, delay: [100, 100] })
          .toBuffer(),
      ],
    ] as const) {
      expect([type, (await sharp(body).metadata()).pages]).toEqual([type, 2]);
      const out = await codec.normalizePhoto(body, 'image/webp');
      expect([type, out?.width, out?.height]).toEqual([type, W, H]);
    }
  });

  test.each([
    ['JPEG', 'image/jpeg', () => image().jpeg().toBuffer()],
    ['progressive JPEG', 'image/jpeg', () => image().jpeg({ progressive: true }).toBuffer()],
    ['PNG', 'image/png', () => image().png().toBuffer()],
    ['WebP', 'image/webp', () => image().webp().toBuffer()],
  ] as const)('a truncated %s is refused', async (_name, type, make) => {
    const whole = await make();
    for (const kept of [0.3, 0.6, 0.9]) {
      expect([kept, await codec.normalizePhoto(whole.subarray(0, Math.floor(whole.length * kept)), type)]).toEqual([
        kept,
        undefined,
      ]);
    }
  });
});
