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
