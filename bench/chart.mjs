// @ts-check
// The latency-against-load chart of the report: an SVG drawn here, turned into a PNG with sharp
// (already a dependency of the media service), so the bench needs nothing new.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A round step for an axis running to `max`: 1, 2 or 5 times a power of ten, about five ticks. */
function step(max) {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

/**
 * Lines of latency (ms) against load (x), one per series, with dashed horizontal guides.
 * `series`: [{ name, colour, points: [[x, y]…] }]; `guides`: [{ name, y, colour }].
 */
export function lineChartSvg({ title, subtitle, xLabel, yLabel, series, guides = [] }) {
  const width = 900;
  const height = 520;
  const m = { left: 80, right: 200, top: 70, bottom: 60 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [...series.flatMap((s) => s.points.map((p) => p[1])), ...guides.map((g) => g.y)];
  const xStep = step(Math.max(...xs, 1));
  const yStep = step(Math.max(...ys, 1));
  const xMax = Math.ceil(Math.max(...xs, 1) / xStep) * xStep;
  const yMax = Math.ceil((Math.max(...ys, 1) * 1.05) / yStep) * yStep;
  const X = (x) => m.left + (x / xMax) * (width - m.left - m.right);
  const Y = (y) => height - m.bottom - (y / yMax) * (height - m.top - m.bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${m.left}" y="28" font-size="18" font-weight="bold">${escape(title)}</text>`,
    `<text x="${m.left}" y="50" fill="#555">${escape(subtitle)}</text>`,
  ];
  for (let y = 0; y <= yMax; y += yStep) {
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${Y(y)}" y2="${Y(y)}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 8}" y="${Y(y) + 4}" text-anchor="end">${y}</text>`,
    );
  }
  for (let x = 0; x <= xMax; x += xStep) {
    parts.push(
      `<line x1="${X(x)}" x2="${X(x)}" y1="${height - m.bottom}" y2="${height - m.bottom + 5}" stroke="#333"/>`,
      `<text x="${X(x)}" y="${height - m.bottom + 20}" text-anchor="middle">${Math.round(x * 10) / 10}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" stroke="#333"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}" stroke="#333"/>`,
    `<text x="${(m.left + width - m.right) / 2}" y="${height - 15}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(22 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
  );
  let legend = m.top;
  for (const g of guides) {
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${Y(g.y)}" y2="${Y(g.y)}" stroke="${g.colour}" stroke-dasharray="6 4"/>`,
    );
    parts.push(
      `<line x1="${width - m.right + 15}" x2="${width - m.right + 40}" y1="${legend}" y2="${legend}" stroke="${g.colour}" stroke-dasharray="6 4"/>`,
      `<text x="${width - m.right + 48}" y="${legend + 4}">${escape(g.name)}</text>`,
    );
    legend += 22;
  }
  for (const s of series) {
    const points = s.points.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2.5" points="${points.join(' ')}"/>`);
    for (const [x, y] of s.points)
      parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="4" fill="${s.colour}"/>`);
    parts.push(
      `<line x1="${width - m.right + 15}" x2="${width - m.right + 40}" y1="${legend}" y2="${legend}" stroke="${s.colour}" stroke-width="2.5"/>`,
      `<text x="${width - m.right + 48}" y="${legend + 4}">${escape(s.name)}</text>`,
    );
    legend += 22;
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Renders an SVG to a PNG buffer. */
export async function svgToPng(svg) {
  const sharp = require(require.resolve('sharp', { paths: [path.join(REPO, 'services/media')] }));
  return sharp(Buffer.from(svg), { density: 96 }).png().toBuffer();
}
