// Where a construct sits once the catalog's functions live in per-feature nested stacks
// (docs/decisions/0021-per-feature-nested-stacks.md), and how a template, and so cdk-nag, spells a
// resource of another stack: acknowledgements must name the exact string cdk-nag reports.
import { Names, Stack, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The deployed (top-level) stack that holds `scope`, through any nested stacks. */
export function rootStackOf(scope: IConstruct): Stack {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  return stack;
}

/**
 * How the template of `consumer`'s stack writes an attribute of `target`, as cdk-nag flattens it:
 * `<MainTable1234.Arn>` in the target's own stack; in a nested stack, the parameter CDK creates for the
 * value (aws-cdk-lib's createNestedStackParameter names it `reference-to-<unique id of what is
 * referenced><attribute>`, alphanumerics kept): the parent's resource attribute itself, or, for a
 * resource of a sibling nested stack, the output of that stack which carries it.
 */
export function templateAttribute(consumer: IConstruct, target: IConstruct, attribute = 'Arn'): string {
  const cfn = (target.node.defaultChild ?? target) as CfnElement;
  const producer = Stack.of(cfn);
  const stack = Stack.of(consumer);
  const alphanumeric = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
  if (producer === stack) return `<${producer.getLogicalId(cfn)}.${attribute}>`;
  if (stack.nestedStackParent && producer === stack.nestedStackParent)
    return `<${alphanumeric(`reference-to-${Names.nodeUniqueId(cfn.node)}${attribute}`)}>`;
  if (stack.nestedStackParent && producer.nestedStackParent === stack.nestedStackParent) {
    const output = alphanumeric(`${Names.nodeUniqueId(cfn.node)}${attribute}`);
    return `<${alphanumeric(`reference-to-${Names.nodeUniqueId(producer.nestedStackResource!.node)}Outputs.${output}`)}>`;
  }
  throw new Error(
    `${consumer.node.path} references ${target.node.path} across stacks other than parent to nested or nested to sibling`,
  );
}

/**
 * A value as `scope`'s template writes it, flattened as cdk-nag flattens a finding's resource: Fn::Join
 * joined, `{Ref: X}` as `<X>`, so `arn:<AWS::Partition>:states:eu-west-1:<AWS::AccountId>:…` once the
 * app has a region (the CDK CLI gives it one) and `…:states:<AWS::Region>:…` when it has none. For
 * values built from pseudo parameters and literals (ARNs made from physical names), not references.
 */
export function templateString(scope: IConstruct, value: string): string {
  const flat = (x: unknown): string => {
    if (typeof x === 'string') return x;
    const o = (x ?? {}) as Record<string, unknown>;
    if (typeof o.Ref === 'string') return `<${o.Ref}>`;
    const join = o['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(flat).join(join[0]);
    throw new Error(`${scope.node.path}: cannot write ${JSON.stringify(x)} as cdk-nag does`);
  };
  return flat(Stack.of(scope).resolve(value));
}
