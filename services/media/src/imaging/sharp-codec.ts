import sharp, { type Sharp } from 'sharp';

import type { UploadType } from '../domain/order-media';
import type { EncodedImage, ImagePort } from '../domain/use-cases/deps';

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
  constructor(private readonly maxDimension: number) {}

  private open(body: Buffer | string): Sharp {
    return sharp(typeof body === 'string' ? Buffer.from(body, 'utf8') : body, { limitInputPixels: this.maxDimension * this.maxDimension, failOn: 'warning' });
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
      return await this.encodeBoth(this.open(body).rotate(), type);
    } catch {
      return undefined;
    }
  }

  async rasterize(svg: string, format: 'png' | 'webp'): Promise<EncodedImage> {
    return this.encodeBoth(this.open(svg), format === 'png' ? 'image/png' : 'image/webp');
  }

  private async encodeBoth(base: Sharp, type: UploadType): Promise<EncodedImage> {
    const [full, thumbnail] = await Promise.all([
      encode(base.clone(), type).toBuffer({ resolveWithObject: true }),
      base.clone().resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 70 }).toBuffer(),
    ]);
    return { image: full.data, contentType: type, width: full.info.width, height: full.info.height, thumbnail, thumbnailType: 'image/webp' };
  }
}
