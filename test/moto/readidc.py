"""Print what IAM Identity Center holds, as JSON lines, through its APIs
(sso-admin and identitystore, with boto3, which moto brings): every
permission set of the instance with its session and policies, every group
membership of the identity store, and every account assignment in the
accounts given. Test-only: one process instead of one AWS CLI call per
permission set and account keeps the deploy test fast. The endpoint and
credentials come from the environment (AWS_ENDPOINT_URL, ...), as for the
AWS CLI.

Usage: python3 readidc.py INSTANCE_ARN IDENTITY_STORE_ID ACCOUNT...
"""

import json
import sys

import boto3

instance, store, accounts = sys.argv[1], sys.argv[2], sys.argv[3:]
sso, ids = boto3.client("sso-admin"), boto3.client("identitystore")
lines, names = [], {}
for u in ids.list_users(IdentityStoreId=store)["Users"]:
    names[u["UserId"]] = u["UserName"]
for g in ids.list_groups(IdentityStoreId=store)["Groups"]:
    names[g["GroupId"]] = g["DisplayName"]
    for m in ids.list_group_memberships(IdentityStoreId=store, GroupId=g["GroupId"])["GroupMemberships"]:
        lines.append(f'member {g["DisplayName"]} {names[m["MemberId"]["UserId"]]}')
sets = {}
for arn in sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]:
    ps = sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)["PermissionSet"]
    sets[arn] = ps["Name"]
    managed = [p["Arn"] for p in sso.list_managed_policies_in_permission_set(InstanceArn=instance, PermissionSetArn=arn)["AttachedManagedPolicies"]]
    own = ["customer/" + p["Name"] for p in sso.list_customer_managed_policy_references_in_permission_set(
        InstanceArn=instance, PermissionSetArn=arn)["CustomerManagedPolicyReferences"]]
    lines.append(f'permission set {ps["Name"]} {ps.get("SessionDuration")} {",".join(sorted(managed + own))}')
for account in accounts:
    for arn, name in sets.items():
        for a in sso.list_account_assignments(InstanceArn=instance, AccountId=account, PermissionSetArn=arn)["AccountAssignments"]:
            lines.append(f'assign {a["AccountId"]} {name} {a["PrincipalType"]} {names[a["PrincipalId"]]}')
print(json.dumps(sorted(lines)))
