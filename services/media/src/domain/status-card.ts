import {
  capitalised,
  type Locale,
  orderStatusLabels,
  type OrderStatus,
  shortOrderNumber,
  xmlSafe,
} from '@orderpulse/contracts';

/** What a synthesized image shows. */
export interface StatusCardInput {
  orderId: string;
  status: OrderStatus;
  locale: Locale;
  /** When the order reached the status. */
  at: Date;
  expectedDeliveryAt?: Date | undefined;
  storeName: string;
  /** The time zone the times are written in (the stores' own). */
  timeZone: string;
  /** Drawn in place of a real-shot photo that did not come. */
  fallback: boolean;
}

export const cardSize = { width: 960, height: 540 } as const;

const labels = {
  order: { en: 'Order', 'zh-CN': '订单' },
  time: { en: 'Time', 'zh-CN': '时间' },
  expected: { en: 'Expected delivery', 'zh-CN': '预计送达' },
  fallback: { en: 'No photo was taken at this step', 'zh-CN': '此环节未拍摄实拍照片' },
} as const;

const palette: Partial<Record<OrderStatus, string>> = {
  new: '#1f6feb',
  accepted: '#1a7f37',
  dispatched: '#8250df',
  rider_took: '#bf5700',
  rider_at_store: '#bf5700',
  picked_up: '#0a7ea4',
  delivered: '#1a7f37',
};

/** The status's label (`orderStatusLabels`), capitalised: it begins the card's line. */
export function statusWord(status: OrderStatus, locale: Locale): string {
  return capitalised(orderStatusLabels[status][locale]);
}

/**
 * Escapes text for SVG content and attributes, and drops what XML cannot hold at all (a
 * control character in a store name made the whole card unparseable); store names come from merchants.
 */
export function escapeXml(text: string): string {
  return xmlSafe(text).replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

function when(date: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(date);
}

/** Cuts text to a length that fits its line; the full text stays in the title element. */
function fit(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * The synthesized image of a status as SVG: order number, status, time, expected delivery and
 * store, in the order's language. Pure, so the same input always gives the same image, and its
 * text can be read back from the source whatever fonts the renderer has.
 */
export function renderStatusCard(input: StatusCardInput): string {
  const { width, height } = cardSize;
  const { locale } = input;
  const accent = palette[input.status] ?? '#57606a';
  const font = "'Noto Sans CJK SC','Noto Sans SC','WenQuanYi Micro Hei','Source Han Sans SC','DejaVu Sans',sans-serif";
  const lines: string[] = [
    `<text x="48" y="92" font-size="34" fill="#ffffff" data-field="store">${escapeXml(fit(input.storeName, 40))}</text>`,
    `<text x="48" y="212" font-size="64" font-weight="bold" fill="#1f2328" data-field="status">${escapeXml(statusWord(input.status, locale))}</text>`,
    `<text x="48" y="300" font-size="44" fill="#1f2328" data-field="order-no">${escapeXml(`${labels.order[locale]} ${shortOrderNumber(input.orderId)}`)}</text>`,
    `<text x="48" y="370" font-size="32" fill="#424a53" data-field="time">${escapeXml(`${labels.time[locale]}  ${when(input.at, locale, input.timeZone)}`)}</text>`,
  ];
  if (input.expectedDeliveryAt) {
    lines.push(
      `<text x="48" y="420" font-size="32" fill="#424a53" data-field="expected-delivery">${escapeXml(`${labels.expected[locale]}  ${when(input.expectedDeliveryAt, locale, input.timeZone)}`)}</text>`,
    );
  }
  if (input.fallback) {
    lines.push(
      `<text x="48" y="470" font-size="26" fill="#9a6700" data-field="fallback">${escapeXml(labels.fallback[locale])}</text>`,
    );
  }
  lines.push(
    `<text x="48" y="515" font-size="20" fill="#6e7781" data-field="order-id">${escapeXml(fit(input.orderId, 70))}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" lang="${locale}">`,
    `<title>${escapeXml(`${input.storeName} · ${statusWord(input.status, locale)} · ${shortOrderNumber(input.orderId)}`)}</title>`,
    `<rect width="${width}" height="${height}" fill="#f6f8fa"/>`,
    `<rect width="${width}" height="136" fill="${accent}"/>`,
    `<rect x="0" y="136" width="16" height="${height - 136}" fill="${accent}"/>`,
    `<g font-family="${font}">`,
    ...lines,
    '</g>',
    '</svg>',
  ].join('\n');
}
