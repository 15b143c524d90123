// The report document as a PDF (pdf-lib: pure JavaScript, the 14 standard fonts, no native code;
// docs/decisions/0080). A4 pages with the same sections as the HTML: key figures, bar charts drawn
// as vector rectangles, tables that repeat their header on a new page. No clock read: the document's
// dates are the report's generation time.
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';
import type { Bar, Block, Column, ReportDocument, Tone } from './document';

const PAGE: [number, number] = [595.28, 841.89];
const MARGIN = 40;
const WIDTH = PAGE[0] - 2 * MARGIN;
const TEXT = rgb(0.11, 0.14, 0.19);
const MUTED = rgb(0.36, 0.39, 0.46);
const RULE = rgb(0.89, 0.9, 0.92);
const TRACK = rgb(0.93, 0.94, 0.95);
const TONES: Record<Tone, RGB> = {
  good: rgb(0.18, 0.49, 0.2),
  bad: rgb(0.78, 0.16, 0.16),
  neutral: rgb(0.08, 0.4, 0.75),
};

// The standard fonts encode WinAnsi: Latin-1 plus these; anything else prints as '?'.
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
export function winAnsi(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.has(ch) ? ch : c === 9 ? ' ' : '?';
  }
  return out;
}

class Writer {
  page!: PDFPage;
  y = 0;
  pages = 0;
  constructor(
    private readonly doc: PDFDocument,
    readonly font: PDFFont,
    readonly bold: PDFFont,
    private readonly footer: string,
  ) {
    this.newPage();
  }

  newPage(): void {
    this.page = this.doc.addPage(PAGE);
    this.pages++;
    this.y = PAGE[1] - MARGIN;
    this.page.drawText(winAnsi(`${this.footer} · page ${this.pages}`), {
      x: MARGIN,
      y: MARGIN / 2,
      size: 8,
      font: this.font,
      color: MUTED,
    });
  }

  /** Room for `h` points, or a new page. */
  need(h: number): void {
    if (this.y - h < MARGIN) this.newPage();
  }

  text(s: string, x: number, size: number, opts: { font?: PDFFont; color?: RGB; maxWidth?: number } = {}): void {
    const font = opts.font ?? this.font;
    const t = opts.maxWidth ? fit(winAnsi(s), font, size, opts.maxWidth) : winAnsi(s);
    this.page.drawText(t, { x, y: this.y, size, font, color: opts.color ?? TEXT });
  }

  /** Wrapped paragraph. */
  paragraph(s: string, size = 10, color = TEXT): void {
    for (const line of wrap(winAnsi(s), this.font, size, WIDTH)) {
      this.need(size + 4);
      this.y -= size + 3;
      this.text(line, MARGIN, size, { color });
    }
    this.y -= 6;
  }
}

function fit(s: string, font: PDFFont, size: number, max: number): string {
  if (font.widthOfTextAtSize(s, size) <= max) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (font.widthOfTextAtSize(`${s.slice(0, mid)}…`, size) <= max) lo = mid;
    else hi = mid - 1;
  }
  return `${s.slice(0, lo)}…`;
}

function wrap(s: string, font: PDFFont, size: number, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (line && font.widthOfTextAtSize(next, size) > max) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines.map((l) => fit(l, font, size, max));
}

function figures(w: Writer, items: Array<{ label: string; value: string; tone?: Tone }>): void {
  const perRow = 4;
  const cell = WIDTH / perRow;
  for (let i = 0; i < items.length; i += perRow) {
    w.need(40);
    const row = items.slice(i, i + perRow);
    row.forEach((f, j) => {
      const x = MARGIN + j * cell;
      w.page.drawRectangle({ x, y: w.y - 36, width: cell - 6, height: 34, borderColor: RULE, borderWidth: 1 });
      const y = w.y;
      w.y = y - 17;
      w.text(f.value, x + 6, 13, {
        font: w.bold,
        color: f.tone && f.tone !== 'neutral' ? TONES[f.tone] : TEXT,
        maxWidth: cell - 18,
      });
      w.y = y - 30;
      w.text(f.label, x + 6, 8, { color: MUTED, maxWidth: cell - 18 });
      w.y = y;
    });
    w.y -= 42;
  }
}

function bars(w: Writer, caption: string, min: number, max: number, list: Bar[]): void {
  const labelW = 150;
  const valueW = 70;
  const barW = WIDTH - labelW - valueW - 12;
  const rowH = 13;
  const x = (v: number) => (Math.min(max, Math.max(min, v)) - min) * (barW / Math.max(1e-9, max - min));
  for (const b of list) {
    w.need(rowH);
    w.y -= rowH;
    w.text(b.label, MARGIN, 8, { maxWidth: labelW - 6 });
    const bx = MARGIN + labelW;
    w.page.drawRectangle({ x: bx, y: w.y - 2, width: barW, height: 9, color: TRACK });
    const width = x(b.value);
    if (width > 0) w.page.drawRectangle({ x: bx, y: w.y - 2, width, height: 9, color: TONES[b.tone] });
    if (b.target !== undefined) {
      const tx = bx + x(b.target);
      w.page.drawLine({ start: { x: tx, y: w.y - 3 }, end: { x: tx, y: w.y + 8 }, thickness: 1.5, color: TEXT });
    }
    w.text(b.text, bx + barW + 8, 8);
  }
  w.y -= 4;
  w.paragraph(caption, 8, MUTED);
}

function table(w: Writer, columns: Column[], rows: string[][]): void {
  const size = 8;
  const pad = 4;
  // Column widths follow their widest cell (header included), scaled to the page's width.
  const natural = columns.map((c, i) =>
    Math.min(
      200,
      Math.max(
        w.bold.widthOfTextAtSize(winAnsi(c.title), size),
        ...rows.map((r) => w.font.widthOfTextAtSize(winAnsi(r[i] ?? ''), size)),
      ) +
        2 * pad,
    ),
  );
  const total = natural.reduce((a, b) => a + b, 0);
  const widths = natural.map((n) => (n * WIDTH) / total);
  const rowH = size + 6;
  const drawRow = (cells: string[], font: PDFFont, shade: boolean) => {
    w.need(rowH);
    w.y -= rowH;
    if (shade) w.page.drawRectangle({ x: MARGIN, y: w.y - 3, width: WIDTH, height: rowH, color: TRACK });
    let x = MARGIN;
    cells.forEach((c, i) => {
      const cw = widths[i]!;
      const t = fit(winAnsi(c), font, size, cw - 2 * pad);
      const tx = columns[i]?.align === 'right' ? x + cw - pad - font.widthOfTextAtSize(t, size) : x + pad;
      w.page.drawText(t, { x: tx, y: w.y, size, font, color: TEXT });
      x += cw;
    });
    w.page.drawLine({
      start: { x: MARGIN, y: w.y - 3 },
      end: { x: MARGIN + WIDTH, y: w.y - 3 },
      thickness: 0.5,
      color: RULE,
    });
  };
  const header = () =>
    drawRow(
      columns.map((c) => c.title),
      w.bold,
      true,
    );
  w.need(2 * rowH);
  header();
  for (const r of rows) {
    const before = w.pages;
    w.need(rowH);
    if (w.pages !== before) header();
    drawRow(r, w.font, false);
  }
  w.y -= 10;
}

function block(w: Writer, b: Block): void {
  if (b.kind === 'paragraph') w.paragraph(b.text);
  else if (b.kind === 'figures') figures(w, b.items);
  else if (b.kind === 'bars') bars(w, b.caption, b.min, b.max, b.bars);
  else table(w, b.columns, b.rows);
}

/** The PDF bytes; `generatedAt` becomes its creation and modification date. */
export async function reportPdf(doc: ReportDocument, generatedAt: Date): Promise<Uint8Array> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.setTitle(winAnsi(doc.title));
  pdf.setSubject(winAnsi(doc.subtitle));
  pdf.setCreator('Nocturne');
  pdf.setProducer('Nocturne (pdf-lib)');
  pdf.setCreationDate(generatedAt);
  pdf.setModificationDate(generatedAt);
  const [font, bold] = await Promise.all([
    pdf.embedFont(StandardFonts.Helvetica),
    pdf.embedFont(StandardFonts.HelveticaBold),
  ]);
  const w = new Writer(pdf, font, bold, doc.title);
  w.y -= 18;
  w.text(doc.title, MARGIN, 18, { font: bold, maxWidth: WIDTH });
  w.y -= 6;
  w.paragraph(doc.subtitle, 10, MUTED);
  for (const s of doc.sections) {
    w.need(60);
    w.y -= 22;
    w.text(s.title, MARGIN, 14, { font: bold });
    w.page.drawLine({
      start: { x: MARGIN, y: w.y - 5 },
      end: { x: MARGIN + WIDTH, y: w.y - 5 },
      thickness: 1,
      color: RULE,
    });
    w.y -= 12;
    for (const b of s.blocks) block(w, b);
  }
  return pdf.save();
}
