import * as cdk from 'aws-cdk-lib';
import { Construct } from 'constructs';

// Node's own, which the jsii build does not declare.
declare function require(id: 'fs'): { readFileSync(path: string, encoding: 'utf8'): string };

/**
 * Creates CloudFormation resources, and stacks with their resources, in one
 * call. From Go, every call into the jsii runtime is a round trip to this
 * process that costs more than creating a resource or a stack here.
 */
export class Resources {
  /**
   * Creates the resources a spec lists under scope, in order, and returns them.
   *
   * The spec is JSON: {"generic"?, "resources": [{"class", "id",
   * "logicalId", "pin"?, "props", "metadata"?, "dependsOn"?}]}.
   *
   * - "class" names an L1 class of aws-cdk-lib ("aws_iam.CfnRole"), "props"
   *   its props.
   * - With "generic", the resources are written into the template as the
   *   classes render them (each name capitalized, policy documents as they
   *   are), by one element for the whole spec, and none is a CfnResource:
   *   the same template, in less than half the synthesis time, but invisible to
   *   code that looks for resources in the construct tree (cdk-nag's rules,
   *   Tags.of, aspects, escape hatches). Each resource still has a construct
   *   under scope, at the path and with the logical ID a CfnResource would
   *   record in the cloud assembly. Nothing is returned.
   * - A string in the props, outside policy documents (a prop whose name
   *   ends in Document) and event patterns (EventPattern), which are kept
   *   as they are, may hold "{{iamstack:ref:<logicalId>}}": a
   *   reference (Ref) to a resource created before it in the same call, or
   *   "{{iamstack:ref:<logicalId>.<attribute>}}": one of its attributes
   *   (Fn::GetAtt). A generic resource gets it as CloudFormation writes it
   *   ({"Ref": ...} or {"Fn::GetAtt": [...]}, in an Fn::Join with the rest
   *   of the string if there is any).
   * - "pin" overrides the logical ID, which a resource at a stack's root under
   *   an id that is its logical ID already has. A generic resource's logical
   *   ID is always "logicalId".
   * - "metadata" are [key, value] pairs, in order.
   * - "dependsOn" are [{"ref", "reason"}], ref being such a reference or a
   *   resource's Ref token.
   *
   * @param scope the scope of every resource
   * @param spec the resources, as JSON
   * @returns the resources, in the spec's order; none for a generic spec
   */
  public static create(scope: Construct, spec: string): cdk.CfnResource[] {
    return createResources(scope, JSON.parse(spec));
  }

  /**
   * Creates the resources a spec lists, as create does, and returns nothing:
   * handing each one back to the caller costs a round trip's worth.
   *
   * @param scope the scope of every resource
   * @param spec the resources, as JSON
   */
  public static add(scope: Construct, spec: string): void {
    Resources.create(scope, spec);
  }

  /**
   * Creates stacks, each with its resources, under scope and returns them
   * in order.
   *
   * The spec is JSON: {"stacks": [{"id", "props"?, "metadata"?,
   * "dependsOn"?, "resources"}]}.
   *
   * - "props" are the StackProps that are data: stackName, description,
   *   env.
   * - "metadata" is the template's Metadata section.
   * - "dependsOn" are [{"id", "reason"}], the ids of stacks listed before.
   * - "resources" is what create takes: {"generic"?, "resources"}.
   *
   * @param scope the scope of every stack
   * @param specFile the file that holds the stacks, as JSON: read here, it
   *   does not cross the jsii kernel as a string, encoded and parsed twice
   * @param synthesizers the synthesizers of the stacks that do not use the
   *   app's default, by id
   * @returns the stacks, in the spec's order
   */
  public static stacks(scope: Construct, specFile: string, synthesizers?: { [id: string]: cdk.IStackSynthesizer }): cdk.Stack[] {
    const byId = new Map<string, cdk.Stack>();
    for (const s of JSON.parse(require('fs').readFileSync(specFile, 'utf8')).stacks) {
      const stack = new cdk.Stack(scope, s.id, { ...s.props, synthesizer: synthesizers?.[s.id] });
      if (s.metadata !== undefined) {
        stack.templateOptions.metadata = s.metadata;
      }
      for (const d of s.dependsOn ?? []) {
        const target = byId.get(d.id);
        if (target === undefined) {
          throw new Error(`iamstack-resources: stack ${s.id} depends on ${d.id}, which this call has not created before it`);
        }
        stack.addStackDependency(target, d.reason);
      }
      createResources(stack, s.resources);
      byId.set(s.id, stack);
    }
    return [...byId.values()];
  }

  private constructor() {}
}

function createResources(scope: Construct, { generic, resources }: any): cdk.CfnResource[] {
  if (generic) {
    renderResources(scope, resources);
    return [];
  }
  const created = new Map<string, cdk.CfnResource>();
  const out: cdk.CfnResource[] = [];
  for (const r of resources) {
    const res: cdk.CfnResource = new (l1Class(r.class))(scope, r.id, props(r.props, created, TYPED));
    if (r.pin) {
      res.overrideLogicalId(r.logicalId);
    }
    for (const [key, value] of r.metadata ?? []) {
      res.addMetadata(key, value);
    }
    for (const d of r.dependsOn ?? []) {
      const own = ONLY_REF.exec(d.ref);
      res.addResourceDependency(own ? find(own[1], created) : outside(d.ref), d.reason);
    }
    created.set(r.logicalId, res);
    out.push(res);
  }
  return out;
}

/**
 * Writes generic resources into the template as CloudFormation writes them,
 * with one element for the whole batch rather than one CfnResource each:
 * a CfnResource costs synthesis more in its own machinery (tokens, property
 * rendering, the construct tree's passes) than in its data, and only its
 * data reaches the template. Each resource keeps a construct of its own, at
 * the path a CfnResource would have, recording its logical ID in the cloud
 * assembly as a CfnResource does: the CDK CLI names resources by it in
 * `cdk deploy` and `cdk diff`.
 */
function renderResources(scope: Construct, resources: any[]): void {
  if (resources.length === 0) {
    return;
  }
  const stack = cdk.Stack.of(scope);
  const rendered: { [logicalId: string]: any } = {};
  // The path of each resource rendered so far, by logical ID.
  const paths = new Map<string, string>();
  let first: Construct | undefined;
  for (const r of resources) {
    const L1 = l1Class(r.class);
    const c = new Construct(scope, r.id);
    c.node.addMetadata(LOGICAL_ID, r.logicalId);
    first ??= c;
    // What CfnResource renders, in its order: Type, Properties (left out
    // when empty), DependsOn (sorted by the construct paths), Metadata.
    const res: any = { Type: L1.CFN_RESOURCE_TYPE_NAME };
    const p = props(r.props, paths, GENERIC);
    if (Object.keys(p).length > 0) {
      res.Properties = p;
    }
    const deps = new Map<string, any>();
    for (const d of r.dependsOn ?? []) {
      const own = ONLY_REF.exec(d.ref);
      if (own) {
        deps.set(find(own[1], paths), own[1]);
        continue;
      }
      const target = outside(d.ref);
      if (cdk.Stack.of(target) === stack) {
        deps.set(target.node.path, target.logicalId);
      } else {
        stack.addStackDependency(cdk.Stack.of(target), d.reason);
      }
    }
    if (deps.size > 0) {
      res.DependsOn = [...deps.keys()].sort((x, y) => x.localeCompare(y)).map((path) => deps.get(path));
    }
    if (r.metadata?.length > 0) {
      res.Metadata = Object.fromEntries(r.metadata);
    }
    if (rendered[r.logicalId] !== undefined) {
      throw new Error(`iamstack-resources: two resources under ${scope.node.path} have the logical ID ${r.logicalId}`);
    }
    rendered[r.logicalId] = res;
    paths.set(r.logicalId, c.node.path);
  }
  // The element lives under the first resource's construct, whose path no
  // other batch can take, and records no logical ID of its own: it has none
  // in the template.
  first!.node.setContext(DISABLE_LOGICAL_ID_METADATA, true);
  new ResourcesElement(first!, 'Resources', rendered);
}

// aws-cdk-lib's names (cloud-assembly-schema's ArtifactMetadataEntryType
// and cx-api), which it does not export at its root.
const LOGICAL_ID = 'aws:cdk:logicalId';
const DISABLE_LOGICAL_ID_METADATA = 'aws:cdk:disable-logicalId-metadata';

/** A template fragment: resources already rendered. */
class ResourcesElement extends cdk.CfnElement {
  constructor(scope: Construct, id: string, private readonly resources: { [logicalId: string]: any }) {
    super(scope, id);
  }

  public _toCloudFormation(): object {
    return { Resources: this.resources };
  }
}

function l1Class(name: string): any {
  let v: any = cdk;
  for (const part of name.split('.')) {
    v = v?.[part];
  }
  if (typeof v !== 'function' || !(v.prototype instanceof cdk.CfnResource)) {
    throw new Error(`iamstack-resources: aws-cdk-lib has no CloudFormation resource class ${name}`);
  }
  return v;
}

const REF = /\{\{iamstack:ref:([A-Za-z0-9]+)(?:\.([A-Za-z0-9]+))?\}\}/g;
const ONLY_REF = new RegExp(`^${REF.source}$`);

/** How a resource's props are written: for its L1 class, or generic. */
interface Form {
  /** A prop's name: as it is, or capitalized (roleName is RoleName). */
  name(k: string): string;
  /** A string that holds references to resources created before it. */
  refs(s: string, created: Map<string, any>): any;
}

const TYPED: Form = {
  name: (k) => k,
  refs: (s, created) => s.replace(REF, (_, id, att) => (att ? find(id, created).getAtt(att).toString() : find(id, created).ref)),
};

const GENERIC: Form = {
  name: capitalize,
  // What the Ref tokens would resolve to: {"Ref": logicalId}, joined with
  // the rest of the string if there is any. The logical ID is pinned.
  refs: (s, created) => {
    const parts: any[] = [];
    let last = 0;
    for (const m of s.matchAll(REF)) {
      if (m.index! > last) {
        parts.push(s.slice(last, m.index));
      }
      find(m[1], created);
      parts.push(m[2] ? { 'Fn::GetAtt': [m[1], m[2]] } : { Ref: m[1] });
      last = m.index! + m[0].length;
    }
    if (last < s.length) {
      parts.push(s.slice(last));
    }
    return parts.length === 1 ? parts[0] : { 'Fn::Join': ['', parts] };
  },
};

/**
 * The props to create a resource with: references substituted, and names
 * written in the resource's form (for a generic resource capitalized, in
 * structs too: clientIdList is ClientIdList). A policy document is taken
 * as it is: it holds neither references nor props, and is most of the data.
 */
function props(v: any, created: Map<string, any>, form: Form): any {
  if (typeof v === 'string') {
    return v.includes('{{iamstack:ref:') ? form.refs(v, created) : v;
  }
  if (Array.isArray(v)) {
    return v.map((e) => props(e, created, form));
  }
  if (v !== null && typeof v === 'object') {
    const out: any = {};
    for (const [k, e] of Object.entries(v)) {
      out[form.name(k)] = verbatim(k) ? e : props(e, created, form);
    }
    return out;
  }
  return v;
}

/**
 * Whether a prop's value is data CloudFormation takes as JSON, kept as it
 * is: a policy document, an EventBridge event pattern (whose keys, such as
 * "detail-type", are the events' own).
 */
function verbatim(k: string): boolean {
  return k.endsWith('Document') || k === 'eventPattern' || k === 'EventPattern';
}

function capitalize(k: string): string {
  return k.charAt(0).toUpperCase() + k.slice(1);
}

function find<T>(logicalId: string, created: Map<string, T>): T {
  const res = created.get(logicalId);
  if (res === undefined) {
    throw new Error(`iamstack-resources: a reference to ${logicalId}, which this call has not created before it`);
  }
  return res;
}

/** The resource a Ref token from outside the call refers to. */
function outside(ref: string): cdk.CfnResource {
  const token = cdk.Tokenization.reverseString(ref).firstToken;
  if (token instanceof cdk.Reference && token.target instanceof cdk.CfnResource) {
    return token.target;
  }
  throw new Error(`iamstack-resources: dependency ${ref} is not a reference to a resource`);
}
