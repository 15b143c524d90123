// A postmortem as a Markdown document (GET /postmortems/{id} with Accept: text/markdown), pure.
import { whyTreeShape } from './analysis';
import type { ActionItemState, Postmortem, WhyTree } from './model';

export interface ItemView {
  key: string;
  state: ActionItemState;
  overdue: boolean;
}

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const duration = (s: number | undefined) => {
  if (s === undefined) return 'n/a';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : '', !h && sec ? `${sec} s` : ''].filter(Boolean).join(' ') || '0 s';
};

function whyLines(tree: WhyTree): string[] {
  const children = new Map<string | undefined, WhyTree['whys']>();
  for (const w of tree.whys) children.set(w.parent, [...(children.get(w.parent) ?? []), w]);
  const out: string[] = [`**Problem:** ${tree.problem}`, ''];
  const walk = (parent: string | undefined, depth: number) => {
    for (const w of children.get(parent) ?? []) {
      const end = w.actionItem
        ? ` → action item \`${w.actionItem}\``
        : w.acceptedRisk
          ? ` → accepted risk (${w.acceptedRisk.acceptedBy}): ${w.acceptedRisk.reason}`
          : '';
      out.push(`${'  '.repeat(depth)}- Why? ${w.because}${end}`);
      walk(w.id, depth + 1);
    }
  };
  walk(undefined, 0);
  return out;
}

export function postmortemMarkdown(pm: Postmortem, items: readonly ItemView[], complete: boolean): string {
  const f = pm.facts;
  const state = new Map(items.map((i) => [i.key, i]));
  const lines: string[] = [
    `# Postmortem: incident #${f.incidentNumber} ${f.title}`,
    '',
    `- Severity: ${f.severity}${f.serviceId ? ` · Service: ${f.serviceId}` : ''}${f.teamId ? ` · Team: ${f.teamId}` : ''}`,
    `- Status: ${pm.status}${pm.publishedAt ? ` (published ${pm.publishedAt})` : ''} · ${complete ? 'complete' : 'not complete'}`,
    `- Required by policy: ${pm.required ? 'yes' : 'no'} · Facts generated ${f.generatedAt}`,
    '',
    '## Summary',
    '',
    pm.summary?.trim() || '_Not written yet._',
    '',
    '## Impact',
    '',
    pm.impact?.trim() || '_Not written yet._',
    '',
    '## Milestones',
    '',
    '| milestone | at | by |',
    '| --- | --- | --- |',
    ...f.milestones.map((m) => `| ${m.name} | ${m.at} | ${esc(m.by ?? '')} |`),
    '',
    `Time to detect: ${duration(f.metrics.ttdSeconds)} · MTTA: ${duration(f.metrics.mttaSeconds)} · time to mitigate: ${duration(f.metrics.mttmSeconds)} · MTTR: ${duration(f.metrics.mttrSeconds)}`,
    '',
    '## Who was paged',
    '',
    ...(f.paged.length
      ? ['| at | person | channel | level | status |', '| --- | --- | --- | --- | --- |']
      : ['_Nobody was paged._']),
    ...f.paged.map((p) => `| ${p.at} | ${esc(p.person)} | ${p.channel} | ${p.level} | ${p.status} |`),
    '',
    '## Alerts',
    '',
    ...(f.alerts.length ? [] : ['_No alerts._']),
    ...f.alerts.map(
      (a) => `- ${a.joinedAt} ${a.severity}: ${esc(a.summary)}${a.resolvedAt ? ` (resolved ${a.resolvedAt})` : ''}`,
    ),
    '',
    '## Timeline',
    '',
    ...[...f.statusUpdates, ...f.notes, ...f.runbookRuns]
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
      .map((e) => `- ${e.at} [${e.kind}] ${esc(e.by)}: ${esc(e.text)}`),
    '',
    '## Root cause',
    '',
    ...(pm.whyTree
      ? [...whyLines(pm.whyTree), '', `Chains: ${Object.values(whyTreeShape(pm.whyTree).chains).join(', ')} levels.`]
      : ['_Not written yet._']),
    '',
    '## Contributing factors',
    '',
    ...(pm.contributingFactors.length ? pm.contributingFactors.map((c) => `- ${c}`) : ['_None recorded._']),
    '',
    '## Action items',
    '',
    ...(pm.actionItems.length
      ? ['| key | kind | title | owner | due | ticket | state |', '| --- | --- | --- | --- | --- | --- | --- |']
      : ['_None._']),
    ...pm.actionItems.map((a) => {
      const s = state.get(a.key);
      return `| ${a.key} | ${a.kind} | ${esc(a.title)} | ${esc(a.owner.name ?? a.owner.id)} | ${a.dueDate} | #${a.ticketNumber} | ${s?.state ?? 'open'}${s?.overdue ? ' (overdue)' : ''} |`;
    }),
    '',
  ];
  return lines.join('\n');
}
