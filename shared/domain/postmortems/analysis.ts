// The rules of a postmortem's analysis, pure: the why-tree's shape (every chain from the problem to
// a leaf is 3 to 7 whys deep; every leaf ends in an action item or an accepted risk), the action
// items it names, and what an edit may not do to items that already have their ticket.
import { ConflictError, ValidationError, type FieldIssue } from '../errors';
import {
  MAX_WHY_LEVELS,
  MIN_WHY_LEVELS,
  type ActionItem,
  type ActionItemInput,
  type AnalysisInput,
  type WhyTree,
} from './model';

export interface WhyTreeShape {
  /** Levels of each leaf's chain, by the leaf's id. */
  chains: Record<string, number>;
  depth: number;
  leaves: string[];
}

/** The issues of a why-tree against the action item keys it may name; none when it is valid. */
export function whyTreeIssues(tree: WhyTree, actionItemKeys: ReadonlySet<string>, field = 'whyTree'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const index = new Map<string, number>();
  const level = new Map<string, number>();
  const children = new Map<string, number>();
  tree.whys.forEach((w, i) => {
    const at = `${field}.whys.${i}`;
    if (index.has(w.id)) issues.push({ field: `${at}.id`, message: `"${w.id}" is used by an earlier why` });
    if (w.parent !== undefined) {
      if (!index.has(w.parent)) {
        issues.push({ field: `${at}.parent`, message: `"${w.parent}" is not an earlier why` });
        return;
      }
      children.set(w.parent, (children.get(w.parent) ?? 0) + 1);
      level.set(w.id, level.get(w.parent)! + 1);
    } else level.set(w.id, 1);
    if (!index.has(w.id)) index.set(w.id, i);
  });
  if (issues.length) return issues;
  tree.whys.forEach((w, i) => {
    const at = `${field}.whys.${i}`;
    const leaf = !children.has(w.id);
    const depth = level.get(w.id)!;
    if (!leaf) {
      if (w.actionItem !== undefined)
        issues.push({
          field: `${at}.actionItem`,
          message: 'only a leaf (a why no other why answers) names an action item',
        });
      if (w.acceptedRisk !== undefined)
        issues.push({
          field: `${at}.acceptedRisk`,
          message: 'only a leaf (a why no other why answers) accepts a risk',
        });
    }
    if (depth > MAX_WHY_LEVELS)
      issues.push({
        field: at,
        message: `the why-chain is deeper than ${MAX_WHY_LEVELS} levels: this why is level ${depth} (${MIN_WHY_LEVELS} to ${MAX_WHY_LEVELS})`,
      });
    if (!leaf) return;
    if (depth < MIN_WHY_LEVELS)
      issues.push({
        field: at,
        message: `the why-chain ending here has ${depth} level${depth === 1 ? '' : 's'}; it needs ${MIN_WHY_LEVELS} to ${MAX_WHY_LEVELS}`,
      });
    if (w.actionItem === undefined && w.acceptedRisk === undefined)
      issues.push({ field: at, message: 'a leaf ends in an action item or an accepted risk' });
    if (w.actionItem !== undefined && w.acceptedRisk !== undefined)
      issues.push({
        field: `${at}.acceptedRisk`,
        message: 'a leaf ends in an action item or an accepted risk, not both',
      });
    if (w.actionItem !== undefined && !actionItemKeys.has(w.actionItem))
      issues.push({ field: `${at}.actionItem`, message: `no action item has the key "${w.actionItem}"` });
  });
  // One issue per chain that is too deep is enough: report the first why past the limit only once.
  return dedupeDeep(issues);
}

function dedupeDeep(issues: FieldIssue[]): FieldIssue[] {
  const out: FieldIssue[] = [];
  let deepReported = false;
  for (const i of issues) {
    const deep = i.message.startsWith('the why-chain is deeper');
    if (deep && deepReported) continue;
    if (deep) deepReported = true;
    out.push(i);
  }
  return out;
}

/** Levels of each leaf's chain, for display and tests (the tree must be valid). */
export function whyTreeShape(tree: WhyTree): WhyTreeShape {
  const level = new Map<string, number>();
  const parents = new Set<string>();
  for (const w of tree.whys) {
    level.set(w.id, w.parent ? level.get(w.parent)! + 1 : 1);
    if (w.parent) parents.add(w.parent);
  }
  const leaves = tree.whys.filter((w) => !parents.has(w.id)).map((w) => w.id);
  const chains = Object.fromEntries(leaves.map((id) => [id, level.get(id)!]));
  return { chains, leaves, depth: Math.max(...Object.values(chains)) };
}

/**
 * Check an analysis edit against the current action items: keys unique, the why-tree valid, and no
 * item that already has its ticket dropped (its ticket is the record: resolve it as won't-fix to
 * accept the risk instead). Throws ValidationError (422) or ConflictError (409).
 */
export function checkAnalysis(input: AnalysisInput, current: readonly ActionItem[]): void {
  const issues: FieldIssue[] = [];
  const keys = new Set<string>();
  input.actionItems.forEach((a, i) => {
    if (keys.has(a.key))
      issues.push({ field: `actionItems.${i}.key`, message: `"${a.key}" is used by an earlier item` });
    keys.add(a.key);
  });
  if (input.whyTree) issues.push(...whyTreeIssues(input.whyTree, keys));
  if (issues.length) throw new ValidationError(issueTitle(issues), issues);
  const dropped = current.filter((a) => !keys.has(a.key));
  if (dropped.length)
    throw new ConflictError(
      `Action item${dropped.length > 1 ? 's' : ''} ${dropped.map((a) => `"${a.key}" (ticket #${a.ticketNumber})`).join(', ')} already ${dropped.length > 1 ? 'have tickets' : 'has a ticket'}; keep ${dropped.length > 1 ? 'them' : 'it'}, and resolve the ticket as wont-fix to accept the risk instead.`,
    );
}

function issueTitle(issues: FieldIssue[]): string {
  const deep = issues.find((i) => i.message.startsWith('the why-chain'));
  return deep ? `The why-tree is not valid: ${deep.message}.` : 'The analysis is not valid.';
}

/** Items of the edit that have no ticket yet (to be opened), and the kept ones merged with their tickets. */
export function planActionItems(
  input: readonly ActionItemInput[],
  current: readonly ActionItem[],
): { toOpen: ActionItemInput[]; kept: Array<{ input: ActionItemInput; existing: ActionItem }> } {
  const byKey = new Map(current.map((a) => [a.key, a]));
  const toOpen: ActionItemInput[] = [];
  const kept: Array<{ input: ActionItemInput; existing: ActionItem }> = [];
  for (const a of input) {
    const existing = byKey.get(a.key);
    if (existing) kept.push({ input: a, existing });
    else toOpen.push(a);
  }
  return { toOpen, kept };
}
