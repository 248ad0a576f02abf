import sharp, { type Sharp } from 'sharp';

import type { UploadType } from '../domain/order-media';
import type { EncodedImage, ImagePort } from '../domain/use-cases/ports';

/** The thumbnail's longest side: what a push's rich notification and a list row show. */
const THUMBNAIL_SIDE = 320;

function encode(image: Sharp, type: UploadType): Sharp {
  switch (type) {
    case 'image/jpeg':
      return image.jpeg({ quality: 85 });
    case 'image/png':
      return image.png({ compressionLevel: 6 });
    case 'image/webp':
      return image.webp({ quality: 82 });
  }
}

/**
 * Images through sharp (libvips). Decoding is bounded by pixels, so a small file claiming a
 * huge canvas is refused before it costs memory. Output carries no metadata at all: sharp
 * drops EXIF (GPS included), XMP and IPTC unless asked to keep them, and we never ask.
 */
export class SharpCodec implements ImagePort {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * `parallel` bounds the decodes in flight per instance: a full-size photo decodes to a few
   * hundred MB of pixels at the largest allowed dimensions, and a burst of confirmations must
   * queue rather than exhaust the container's memory.
   */
  constructor(
    private readonly maxDimension: number,
    private readonly parallel = 2,
  ) {}

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    // A finishing task hands its place straight to the next in line, so none can slip in between.
    if (this.running >= this.parallel) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  /**
   * `failOn: 'error'`: what decodes is taken, what does not is refused. libjpeg only warns about
   * stray bytes before a marker (some Android cameras write them; browsers and galleries show the
   * photo), and failing on warnings refused those photos as not images. A truncated file is an
   * error and stays refused. Uploads are fully re-encoded, so nothing odd in the input survives.
   */
  private open(body: Buffer | string): Sharp {
    return sharp(typeof body === 'string' ? Buffer.from(body, 'utf8') : body, {
      limitInputPixels: this.maxDimension * this.maxDimension,
      failOn: 'error',
    });
  }

  async dimensions(body: Buffer): Promise<{ width: number; height: number } | undefined> {
    try {
      const meta = await sharp(body).metadata();
      return meta.width && meta.height ? { width: meta.width, height: meta.height } : undefined;
    } catch {
      return undefined;
    }
  }

  async normalizePhoto(body: Buffer, type: UploadType): Promise<EncodedImage | undefined> {
    try {
      // Orientation is applied to the pixels first, since the tag that said it is dropped with the rest.
      return await this.limited(() => this.encodeBoth(this.open(body).rotate(), type));
    } catch {
      return undefined;
    }
  }

  async rasterize(svg: string, format: 'png' | 'webp'): Promise<EncodedImage> {
    return this.limited(() => this.encodeBoth(this.open(svg), format === 'png' ? 'image/png' : 'image/webp'));
  }

  private async encodeBoth(base: Sharp, type: UploadType): Promise<EncodedImage> {
    const [full, thumbnail] = await Promise.all([
      encode(base.clone(), type).toBuffer({ resolveWithObject: true }),
      base
        .clone()
        .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 70 })
        .toBuffer(),
    ]);
    return {
      image: full.data,
      contentType: type,
      width: full.info.width,
      height: full.info.height,
      thumbnail,
      thumbnailType: 'image/webp',
    };
  }
}
