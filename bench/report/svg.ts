/**
 * A very small SVG writer (pure): grouped bar panels and predicted-vs-measured scatter panels, stacked into
 * one document. No chart library: rectangles, lines and text, with every text escaped.
 */

/** Colours of the series, in order (colour-blind friendly: Okabe-Ito). */
export const PALETTE = ['#E69F00', '#56B4E9', '#009E73', '#D55E00', '#CC79A7', '#0072B2'] as const;

/** Escapes text for SVG content and attribute values. */
export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const num = (x: number): string => (Math.round(x * 10) / 10).toString();

/** "Nice" axis ticks from 0 to at least `max`: 4 to 6 steps of 1, 2 or 5 x 10^k. */
export function niceTicks(max: number): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / 5;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= rough) ?? 10 * pow;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Formats an axis value compactly (`0.25`, `12`, `1.5k`). */
export function fmtTick(v: number): string {
  if (v >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return Number(v.toPrecision(3)).toString();
}

/** One series of a grouped bar panel: a value (or none) per category. */
export interface BarSeries {
  /** Legend name. */
  readonly name: string;
  /** One value per category; `undefined` draws "n/a". */
  readonly values: readonly (number | undefined)[];
}

/** A grouped bar panel. */
export interface BarPanel {
  /** Title above the panel. */
  readonly title: string;
  /** Y axis label (with unit). */
  readonly yLabel: string;
  /** Category labels along x. */
  readonly categories: readonly string[];
  /** Series, drawn side by side within each category. */
  readonly series: readonly BarSeries[];
}

/** A scatter panel of predicted (x) against measured (y), with the y = x line. */
export interface ScatterPanel {
  /** Title. */
  readonly title: string;
  /** Axis unit, e.g. `s`. */
  readonly unit: string;
  /** Points. */
  readonly points: readonly { readonly x: number; readonly y: number; readonly label?: string }[];
}

const PANEL_W = 760;
const PANEL_H = 260;
const M = { left: 64, right: 150, top: 34, bottom: 56 };

function barPanel(p: BarPanel, y0: number): string {
  const w = PANEL_W - M.left - M.right;
  const h = PANEL_H - M.top - M.bottom;
  const vals = p.series
    .flatMap((s) => s.values)
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
  const ticks = niceTicks(Math.max(0, ...vals));
  const top = ticks[ticks.length - 1]!;
  const sy = (v: number): number => y0 + M.top + h - (v / top) * h;
  const out: string[] = [
    `<text x="${M.left}" y="${y0 + 20}" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
  ];
  for (const t of ticks)
    out.push(
      `<line x1="${M.left}" y1="${num(sy(t))}" x2="${M.left + w}" y2="${num(sy(t))}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${num(sy(t) + 4)}" font-size="11" text-anchor="end">${esc(fmtTick(t))}</text>`,
    );
  out.push(
    `<text x="14" y="${num(y0 + M.top + h / 2)}" font-size="11" transform="rotate(-90 14 ${num(y0 + M.top + h / 2)})" text-anchor="middle">${esc(p.yLabel)}</text>`,
  );
  const n = Math.max(1, p.categories.length);
  const cw = w / n;
  const bw = (cw * 0.8) / Math.max(1, p.series.length);
  p.categories.forEach((c, ci) => {
    const cx = M.left + ci * cw;
    out.push(
      `<text x="${num(cx + cw / 2)}" y="${y0 + M.top + h + 16}" font-size="11" text-anchor="middle">${esc(c)}</text>`,
    );
    p.series.forEach((s, si) => {
      const v = s.values[ci];
      const x = cx + cw * 0.1 + si * bw;
      if (v === undefined || !Number.isFinite(v)) {
        out.push(
          `<text x="${num(x + bw / 2)}" y="${num(sy(0) - 3)}" font-size="9" text-anchor="middle" fill="#888">n/a</text>`,
        );
        return;
      }
      const colour = PALETTE[si % PALETTE.length]!;
      out.push(
        `<rect x="${num(x)}" y="${num(sy(v))}" width="${num(Math.max(1, bw - 2))}" height="${num(sy(0) - sy(v))}" fill="${colour}"><title>${esc(`${s.name} @ ${c}: ${fmtTick(v)}`)}</title></rect>`,
      );
      if (bw >= 18)
        out.push(
          `<text x="${num(x + (bw - 2) / 2)}" y="${num(sy(v) - 3)}" font-size="9" text-anchor="middle">${esc(fmtTick(v))}</text>`,
        );
    });
  });
  out.push(`<line x1="${M.left}" y1="${num(sy(0))}" x2="${M.left + w}" y2="${num(sy(0))}" stroke="#333"/>`);
  p.series.forEach((s, si) => {
    const ly = y0 + M.top + si * 18;
    out.push(
      `<rect x="${M.left + w + 14}" y="${ly}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]!}"/>`,
      `<text x="${M.left + w + 32}" y="${ly + 10}" font-size="12">${esc(s.name)}</text>`,
    );
  });
  return out.join('\n');
}

function scatterPanel(p: ScatterPanel, y0: number): string {
  const w = PANEL_H * 1.4 - M.left;
  const h = PANEL_H - M.top - M.bottom;
  const vals = p.points.flatMap((q) => [q.x, q.y]).filter((v) => Number.isFinite(v));
  const ticks = niceTicks(Math.max(0, ...vals));
  const top = ticks[ticks.length - 1]!;
  const sx = (v: number): number => M.left + (v / top) * w;
  const sy = (v: number): number => y0 + M.top + h - (v / top) * h;
  const out: string[] = [
    `<text x="${M.left}" y="${y0 + 20}" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
  ];
  for (const t of ticks)
    out.push(
      `<line x1="${M.left}" y1="${num(sy(t))}" x2="${num(M.left + w)}" y2="${num(sy(t))}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${num(sy(t) + 4)}" font-size="11" text-anchor="end">${esc(fmtTick(t))}</text>`,
      `<text x="${num(sx(t))}" y="${y0 + M.top + h + 16}" font-size="11" text-anchor="middle">${esc(fmtTick(t))}</text>`,
    );
  out.push(
    `<line x1="${M.left}" y1="${num(sy(0))}" x2="${num(sx(top))}" y2="${num(sy(top))}" stroke="#999" stroke-dasharray="4 3"/>`,
    `<text x="${num(M.left + w / 2)}" y="${y0 + M.top + h + 36}" font-size="11" text-anchor="middle">${esc(`predicted (${p.unit})`)}</text>`,
    `<text x="14" y="${num(y0 + M.top + h / 2)}" font-size="11" transform="rotate(-90 14 ${num(y0 + M.top + h / 2)})" text-anchor="middle">${esc(`measured (${p.unit})`)}</text>`,
  );
  for (const q of p.points)
    if (Number.isFinite(q.x) && Number.isFinite(q.y))
      out.push(
        `<circle cx="${num(sx(q.x))}" cy="${num(sy(q.y))}" r="4" fill="${PALETTE[5]}" fill-opacity="0.7"><title>${esc(`${q.label ?? ''} predicted ${fmtTick(q.x)} ${p.unit}, measured ${fmtTick(q.y)} ${p.unit}`)}</title></circle>`,
      );
  if (p.points.length === 0)
    out.push(
      `<text x="${num(M.left + w / 2)}" y="${num(y0 + M.top + h / 2)}" font-size="12" text-anchor="middle" fill="#888">no data</text>`,
    );
  return out.join('\n');
}

/** A panel of either kind. */
export type Panel = ({ readonly kind: 'bars' } & BarPanel) | ({ readonly kind: 'scatter' } & ScatterPanel);

/** An SVG document with the panels stacked top to bottom under a title. */
export function svgDocument(title: string, panels: readonly Panel[]): string {
  const height = 40 + panels.length * PANEL_H;
  const body = panels.map((p, i) =>
    p.kind === 'bars' ? barPanel(p, 40 + i * PANEL_H) : scatterPanel(p, 40 + i * PANEL_H),
  );
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PANEL_W}" height="${height}" viewBox="0 0 ${PANEL_W} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${PANEL_W / 2}" y="24" font-size="16" font-weight="bold" text-anchor="middle">${esc(title)}</text>`,
    ...body,
    `</svg>`,
    '',
  ].join('\n');
}
