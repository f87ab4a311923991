import * as cdk from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Creates CloudFormation resources in one call. From Go, every call into the
 * jsii runtime is a round trip to this process that costs more than
 * creating a resource here; a stack's resources are created in one.
 */
export class Resources {
  /**
   * Creates the resources a spec lists under scope, in order, and returns them.
   *
   * The spec is JSON: {"generic"?, "resources": [{"class", "id",
   * "logicalId", "pin"?, "props", "metadata"?, "dependsOn"?}]}.
   *
   * - "class" names an L1 class of aws-cdk-lib ("aws_iam.CfnRole"), "props"
   *   its props. With "generic", the resource is a CfnResource of the
   *   class's CloudFormation type whose properties are the props
   *   as the class renders them (each name capitalized, policy documents as
   *   they are): the same template, in about half the time, but invisible
   *   to code that recognises resources by class, such as cdk-nag's rules.
   * - A string in the props, outside policy documents (a prop whose name
   *   ends in Document), may hold "{{iamstack:ref:<logicalId>}}": a
   *   reference (Ref) to a resource created before it in the same call.
   * - "pin" overrides the logical ID, which a resource at a stack's root under
   *   an id that is its logical ID already has.
   * - "metadata" are [key, value] pairs, in order.
   * - "dependsOn" are [{"ref", "reason"}], ref being such a reference or a
   *   resource's Ref token.
   *
   * @param scope the scope of every resource
   * @param spec the resources, as JSON
   * @returns the resources, in the spec's order
   */
  public static create(scope: Construct, spec: string): cdk.CfnResource[] {
    const { generic, resources } = JSON.parse(spec);
    const created = new Map<string, cdk.CfnResource>();
    const out: cdk.CfnResource[] = [];
    for (const r of resources) {
      const L1 = l1Class(r.class);
      const res: cdk.CfnResource = generic
        ? new cdk.CfnResource(scope, r.id, { type: L1.CFN_RESOURCE_TYPE_NAME, properties: props(r.props, created, capitalize) })
        : new L1(scope, r.id, props(r.props, created, (k) => k));
      if (r.pin) {
        res.overrideLogicalId(r.logicalId);
      }
      for (const [key, value] of r.metadata ?? []) {
        res.addMetadata(key, value);
      }
      for (const d of r.dependsOn ?? []) {
        res.addResourceDependency(dependency(d.ref, created), d.reason);
      }
      created.set(r.logicalId, res);
      out.push(res);
    }
    return out;
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

  private constructor() {}
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

const REF = /\{\{iamstack:ref:([A-Za-z0-9]+)\}\}/g;
const ONLY_REF = new RegExp(`^${REF.source}$`);

/**
 * The props to create a resource with: references substituted, and names
 * mapped by name (for a generic resource, capitalized: roleName is RoleName,
 * clientIdList ClientIdList, in structs too). A policy document is taken as
 * it is: it holds neither references nor props, and is most of the data.
 */
function props(v: any, created: Map<string, cdk.CfnResource>, name: (k: string) => string): any {
  if (typeof v === 'string') {
    return v.includes('{{iamstack:ref:') ? v.replace(REF, (_, id) => find(id, created).ref) : v;
  }
  if (Array.isArray(v)) {
    return v.map((e) => props(e, created, name));
  }
  if (v !== null && typeof v === 'object') {
    const out: any = {};
    for (const [k, e] of Object.entries(v)) {
      out[name(k)] = k.endsWith('Document') ? e : props(e, created, name);
    }
    return out;
  }
  return v;
}

function capitalize(k: string): string {
  return k.charAt(0).toUpperCase() + k.slice(1);
}

function find(logicalId: string, created: Map<string, cdk.CfnResource>): cdk.CfnResource {
  const res = created.get(logicalId);
  if (res === undefined) {
    throw new Error(`iamstack-resources: a reference to ${logicalId}, which this call has not created before it`);
  }
  return res;
}

function dependency(ref: string, created: Map<string, cdk.CfnResource>): cdk.CfnResource {
  const own = ONLY_REF.exec(ref);
  if (own) {
    return find(own[1], created);
  }
  const token = cdk.Tokenization.reverseString(ref).firstToken;
  if (token instanceof cdk.Reference && token.target instanceof cdk.CfnResource) {
    return token.target;
  }
  throw new Error(`iamstack-resources: dependency ${ref} is not a reference to a resource`);
}
