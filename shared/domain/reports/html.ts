// The report document as one self-contained HTML page: inline CSS, charts as inline SVG drawn from
// the figures, no script, no external resource (it opens from an e-mail or a file as it is).
import { escapeHtml } from '../html';
import type { Bar, Block, ReportDocument, Tone } from './document';

const COLORS: Record<Tone, string> = { good: '#2e7d32', bad: '#c62828', neutral: '#1565c0' };

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d2330;margin:0;background:#f5f6f8}
main{max-width:1040px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;border-bottom:2px solid #e3e6eb;padding-bottom:4px}
.sub{color:#5b6475;margin:0 0 8px}
.figures{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.figure{border:1px solid #e3e6eb;border-radius:6px;padding:8px 12px;min-width:130px}
.figure b{display:block;font-size:20px}.figure span{color:#5b6475;font-size:12px}
.good b{color:${COLORS.good}}.bad b{color:${COLORS.bad}}
table{border-collapse:collapse;width:100%;margin:8px 0 12px;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #e9ecf0;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:8px 0}figcaption{color:#5b6475;font-size:12px}svg text{font:12px system-ui,Helvetica,Arial,sans-serif;fill:#1d2330}
@media print{body{background:#fff}main{padding:0}h2{break-after:avoid}table,figure{break-inside:avoid}}
`;

const LABEL_W = 220;
const BAR_W = 560;
const ROW_H = 20;

function bars(caption: string, min: number, max: number, list: Bar[]): string {
  const width = LABEL_W + BAR_W + 110;
  const height = list.length * ROW_H + 8;
  const x = (v: number) => LABEL_W + (Math.min(max, Math.max(min, v)) - min) * (BAR_W / Math.max(1e-9, max - min));
  const rows = list
    .map((b, i) => {
      const y = 4 + i * ROW_H;
      const label = b.label.length > 32 ? `${b.label.slice(0, 31)}…` : b.label;
      const target =
        b.target === undefined
          ? ''
          : `<line x1="${x(b.target).toFixed(1)}" x2="${x(b.target).toFixed(1)}" y1="${y}" y2="${y + ROW_H - 4}" stroke="#1d2330" stroke-width="2"/>`;
      return (
        `<text x="${LABEL_W - 8}" y="${y + 13}" text-anchor="end">${escapeHtml(label)}</text>` +
        `<rect x="${LABEL_W}" y="${y + 2}" width="${BAR_W}" height="${ROW_H - 8}" fill="#eef0f3"/>` +
        `<rect x="${LABEL_W}" y="${y + 2}" width="${(x(b.value) - LABEL_W).toFixed(1)}" height="${ROW_H - 8}" fill="${COLORS[b.tone]}"/>` +
        target +
        `<text x="${LABEL_W + BAR_W + 8}" y="${y + 13}">${escapeHtml(b.text)}</text>`
      );
    })
    .join('');
  return (
    `<figure><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(caption)}" width="100%" viewBox="0 0 ${width} ${height}">${rows}</svg>` +
    `<figcaption>${escapeHtml(caption)}</figcaption></figure>`
  );
}

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'figures':
      return `<div class="figures">${b.items
        .map(
          (f) =>
            `<div class="figure ${f.tone ?? ''}"><b>${escapeHtml(f.value)}</b><span>${escapeHtml(f.label)}</span></div>`,
        )
        .join('')}</div>`;
    case 'bars':
      return bars(b.caption, b.min, b.max, b.bars);
    case 'table': {
      const cls = (i: number) => (b.columns[i]?.align === 'right' ? ' class="r"' : '');
      const head = b.columns.map((c, i) => `<th${cls(i)}>${escapeHtml(c.title)}</th>`).join('');
      const body = b.rows
        .map((r) => `<tr>${r.map((v, i) => `<td${cls(i)}>${escapeHtml(v)}</td>`).join('')}</tr>`)
        .join('');
      return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
    }
  }
}

export function reportHtml(doc: ReportDocument): string {
  const sections = doc.sections
    .map(
      (s) =>
        `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${s.blocks.map(block).join('')}</section>`,
    )
    .join('\n');
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(doc.title)}</title><style>${CSS}</style></head>\n<body><main>` +
    `<h1>${escapeHtml(doc.title)}</h1><p class="sub">${escapeHtml(doc.subtitle)}</p>\n${sections}\n</main></body></html>\n`
  );
}
