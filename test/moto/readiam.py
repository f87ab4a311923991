"""Print what IAM holds, as JSON, through the IAM API (boto3, which moto
brings): every user with its path, unique ID, groups, tags and login profile,
every group with its unique ID and managed policies, and every customer
managed policy's default document. Test-only: one process instead of one AWS
CLI call per user keeps the deploy tests fast. The endpoint and credentials
come from the environment (AWS_ENDPOINT_URL, ...), as for the AWS CLI."""

import json

import boto3

iam = boto3.client("iam")
out = {"users": {}, "groups": {}, "policies": {}}
for u in iam.list_users()["Users"]:
    name = u["UserName"]
    try:
        reset = iam.get_login_profile(UserName=name)["LoginProfile"].get("PasswordResetRequired", False)
        login = "reset" if reset else "no-reset"
    except iam.exceptions.NoSuchEntityException:
        login = ""
    out["users"][name] = {
        "ID": u["UserId"],
        "Path": u["Path"],
        "Groups": sorted(g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]),
        "Tags": sorted(f'{t["Key"]}={t["Value"]}' for t in iam.list_user_tags(UserName=name)["Tags"]),
        "Login": login,
    }
for g in iam.list_groups()["Groups"]:
    attached = iam.list_attached_group_policies(GroupName=g["GroupName"])["AttachedPolicies"]
    out["groups"][g["GroupName"]] = {"ID": g["GroupId"], "Policies": sorted(p["PolicyArn"] for p in attached)}
for p in iam.list_policies(Scope="Local")["Policies"]:
    version = iam.get_policy_version(PolicyArn=p["Arn"], VersionId=p["DefaultVersionId"])["PolicyVersion"]
    out["policies"][p["PolicyName"]] = version["Document"]
print(json.dumps(out))
