"""Start moto_server with the CloudFormation resource handlers iamstack's
templates need and moto 5.2 lacks, registered on top of moto's own backends.

Test-only: the integration tests deploy iamstack's stacks with the real cdk
CLI against this server on loopback. It never patches the installed moto
package; it defines, in this process, before the server starts:

- AWS::IAM::Group (moto has no CloudFormation model for it): creates the group
  in moto's IAM backend with its path and attaches its ManagedPolicyArns;
  updates attach and detach the difference in place; deletes detach, empty
  and delete the group. Ref is the group name.
- AWS::IAM::User, in place of moto's model, which creates only the name and
  path: also the Groups membership, the ManagedPolicyArns, the Tags and the
  LoginProfile (PasswordResetRequired kept). Updates change groups, managed
  policies, tags, path and login profile in place (only a new UserName
  replaces the user, as in AWS); deletes remove the user from its groups,
  detach its policies and delete its login profile first, as IAM requires. A LoginProfile password may be a Secrets Manager dynamic
  reference ({{resolve:secretsmanager:ID:SecretString:::}}), which is
  resolved from moto's Secrets Manager: a secret that does not exist fails
  the resource, as in AWS.
- AWS::IAM::Role, in place of moto's model, which ignores ManagedPolicyArns
  and whose update changes only the description: created by moto's model
  (inline policies kept as JSON text, as IAM returns them), then its
  ManagedPolicyArns attached; updates set the trust policy,
  description, maximum session and managed policies in place (only a new
  RoleName replaces the role, as in AWS); deletes detach its managed
  policies first, as IAM requires.
- AWS::IAM::OIDCProvider (no model in moto): creates the provider with its
  Url, ClientIdList and ThumbprintList (none: IAM checks the issuer itself);
  updates set the client IDs in place (a new Url replaces it, as in AWS);
  deletes delete it. Ref is the provider's ARN.
- AWS::SecretsManager::Secret (no model in moto): creates the secret with a
  value from GenerateSecretString (PasswordLength, ExcludeCharacters,
  RequireEachIncludedType) or SecretString. Ref is the secret's ARN.
- AWS::SSO::PermissionSet, AWS::SSO::Assignment, AWS::IdentityStore::Group,
  ::User and ::GroupMembership (moto has the sso-admin and identitystore
  backends but no CloudFormation model for them): created in those
  backends under the template's instance and identity store; Fn::GetAtt
  gives PermissionSetArn, GroupId, UserId and MembershipId. A permission
  set's managed policies, customer managed policy references, description
  and session converge in place; every property of the others is
  create-only, as in AWS, so an update replaces them.
- AWS::SNS::Subscription and AWS::SNS::TopicPolicy (moto has the SNS
  backend and a model for topics only): subscribe the endpoint; set the
  topic's policy.
- AWS::AccessAnalyzer::Analyzer (no backend in moto): recorded in this
  process with its properties; Ref and Arn are its ARN. Its name and type
  are create-only, as in AWS.

CloudFormation picks a model class by its cloudformation_type() among the
direct subclasses of CloudFormationModel, the later one winning, so defining
these classes here is all the registration there is.

With IAMSTACK_MOTO_AWS_POLICIES set (AWS managed policy names, separated by
commas), each account loads only those of AWS's managed policies
(MOTO_IAM_LOAD_MANAGED_POLICIES loads them all into every account: at
hundreds of accounts, gigabytes). Accounts other than MOTO_ACCOUNT_ID's are
reached with credentials from sts:AssumeRole into them, which moto keys by
the role's account.

Usage: python3 launcher.py HOST PORT (the account is MOTO_ACCOUNT_ID).
"""

import json
import re
import sys

from moto.core.common_models import CloudFormationModel
from moto.iam.models import Role, iam_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.utilities.utils import get_partition


def iam(account_id, region_name):
    return iam_backends[account_id][get_partition(region_name)]


def sync_attached(have, want, attach, detach):
    """Detach the managed policies of have not in want, then attach those of
    want not in have, each in ARN order."""
    for arn in sorted(set(have) - set(want)):
        detach(arn)
    for arn in sorted(set(want) - set(have)):
        attach(arn)


def tags_of(properties):
    return {t["Key"]: t["Value"] for t in properties.get("Tags", [])}


DYNAMIC_SECRET = re.compile(r"^\{\{resolve:secretsmanager:(.+?):SecretString:([^:]*):([^:]*):([^:]*)\}\}$")


def resolve(value, account_id, region_name):
    """Resolves a Secrets Manager dynamic reference as CloudFormation does."""
    m = DYNAMIC_SECRET.match(value or "")
    if not m:
        return value
    secret_id = m.group(1)
    secret = secretsmanager_backends[account_id][region_name].get_secret_value(
        secret_id=secret_id, version_id=m.group(4) or None, version_stage=m.group(3) or None
    )
    return secret["SecretString"]


class Named:
    """What a named IAM resource answers CloudFormation: Ref is its name. A
    new name replaces it, as in AWS; any other change converges in place
    (the subclass's _converge)."""

    def __init__(self, name):
        self.name = name

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        if new_resource_name != original_resource.name:
            cls.delete_from_cloudformation_json(original_resource.name, cloudformation_json, account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        cls._converge(iam(account_id, region_name), original_resource.name, cloudformation_json.get("Properties", {}),
                      account_id, region_name)
        return original_resource

    @property
    def physical_resource_id(self):
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name):
        raise NotImplementedError(attribute_name)

    def is_created(self):
        return True


class IamstackGroup(Named, CloudFormationModel):
    # moto files every model under the service its module names.
    __module__ = "iamstack_launcher.iam"

    @staticmethod
    def cloudformation_name_type():
        return "GroupName"

    @staticmethod
    def cloudformation_type():
        return "AWS::IAM::Group"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties", {})
        backend = iam(account_id, region_name)
        backend.create_group(resource_name, props.get("Path", "/"))
        cls._attach(backend, resource_name, [], props)
        return cls(resource_name)

    @staticmethod
    def _attach(backend, name, have, props):
        sync_attached(have, props.get("ManagedPolicyArns", []),
                      lambda arn: backend.attach_group_policy(arn, name), lambda arn: backend.detach_group_policy(arn, name))

    @classmethod
    def _converge(cls, backend, name, props, account_id, region_name):
        cls._attach(backend, name, backend.get_group(name).managed_policies, props)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = iam(account_id, region_name)
        group = backend.get_group(resource_name)
        cls._attach(backend, resource_name, list(group.managed_policies), {})
        group.users.clear()
        backend.delete_group(resource_name)


class IamstackUser(Named, CloudFormationModel):
    # moto files every model under the service its module names.
    __module__ = "iamstack_launcher.iam"

    @staticmethod
    def cloudformation_name_type():
        return "UserName"

    @staticmethod
    def cloudformation_type():
        return "AWS::IAM::User"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties", {})
        backend = iam(account_id, region_name)
        backend.create_user(region_name=region_name, user_name=resource_name, path=props.get("Path", "/"))
        cls._converge(backend, resource_name, props, account_id, region_name)
        return cls(resource_name)

    @staticmethod
    def _converge(backend, name, props, account_id, region_name):
        user = backend.get_user(name)
        user.path = props.get("Path", "/")
        want_groups = set(props.get("Groups", []))
        have_groups = {g.name for g in backend.get_groups_for_user(name)}
        for g in sorted(have_groups - want_groups):
            backend.remove_user_from_group(g, name)
        for g in sorted(want_groups - have_groups):
            backend.add_user_to_group(g, name)
        sync_attached(user.managed_policies, props.get("ManagedPolicyArns", []),
                      lambda arn: backend.attach_user_policy(arn, name), lambda arn: backend.detach_user_policy(arn, name))
        want_tags = tags_of(props)
        have_tags = {t["Key"]: t["Value"] for t in backend.list_user_tags(name)}
        gone = sorted(set(have_tags) - set(want_tags))
        if gone:
            backend.untag_user(name, gone)
        if want_tags:
            backend.tag_user(name, [{"Key": k, "Value": v} for k, v in sorted(want_tags.items())])
        login = props.get("LoginProfile")
        if login is None:
            if user.password:
                backend.delete_login_profile(name)
        else:
            password = resolve(login.get("Password"), account_id, region_name)
            reset = str(login.get("PasswordResetRequired", False)).lower() == "true"
            if user.password:
                backend.update_login_profile(name, password, reset)
            else:
                backend.create_login_profile(name, password)
                user.password_reset_required = reset

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = iam(account_id, region_name)
        user = backend.get_user(resource_name)
        for g in backend.get_groups_for_user(resource_name):
            backend.remove_user_from_group(g.name, resource_name)
        for arn in sorted(user.managed_policies):
            backend.detach_user_policy(arn, resource_name)
        if user.password:
            backend.delete_login_profile(resource_name)
        backend.delete_user(resource_name)


class ByARN:
    """What a resource whose Ref is its ARN answers CloudFormation; its one
    attribute (attr) is the ARN too."""

    attr = "Arn"

    def __init__(self, arn):
        self.arn = arn

    @property
    def physical_resource_id(self):
        return self.arn

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == cls.attr

    def get_cfn_attribute(self, attribute_name):
        return self.arn

    def is_created(self):
        return True


class IamstackSecret(ByARN, CloudFormationModel):
    # moto files every model under the service its module names.
    __module__ = "iamstack_launcher.secretsmanager"
    attr = "Id"

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @staticmethod
    def cloudformation_type():
        return "AWS::SecretsManager::Secret"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties", {})
        backend = secretsmanager_backends[account_id][region_name]
        value = props.get("SecretString")
        gen = props.get("GenerateSecretString")
        if gen is not None:
            value = json.loads(backend.get_random_password(
                password_length=int(gen.get("PasswordLength", 32)),
                exclude_characters=gen.get("ExcludeCharacters", ""),
                exclude_numbers=False, exclude_punctuation=False, exclude_uppercase=False,
                exclude_lowercase=False, include_space=False,
                require_each_included_type=str(gen.get("RequireEachIncludedType", True)).lower() == "true",
            ))["RandomPassword"]
        created = backend.create_secret(
            name=resource_name, secret_string=value, secret_binary=None, description=props.get("Description"),
            tags=props.get("Tags"), kms_key_id=None, client_request_token=None, replica_regions=[], force_overwrite=False,
        )
        return cls(created["ARN"] if isinstance(created, dict) else json.loads(created)["ARN"])

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        return original_resource  # iamstack changes nothing of a first-password secret in place

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        secretsmanager_backends[account_id][region_name].delete_secret(
            secret_id=resource_name, recovery_window_in_days=None, force_delete_without_recovery=True)


class IamstackRole(CloudFormationModel):
    # moto files every model under the service its module names.
    __module__ = "iamstack_launcher.iam"

    @staticmethod
    def cloudformation_name_type():
        return "RoleName"

    @staticmethod
    def cloudformation_type():
        return "AWS::IAM::Role"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        role = Role.create_from_cloudformation_json(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        # moto's model keeps inline policies (the CDK bootstrap roles' Policies)
        # as parsed JSON, which its get-account-authorization-details cannot
        # serialise: IAM holds them as documents, so keep them as strings.
        role.policies = {name: doc if isinstance(doc, str) else json.dumps(doc) for name, doc in role.policies.items()}
        cls._attach(iam(account_id, region_name), role.name, [], cloudformation_json.get("Properties", {}))
        return role

    @staticmethod
    def _attach(backend, name, have, props):
        sync_attached(have, props.get("ManagedPolicyArns", []),
                      lambda arn: backend.attach_role_policy(arn, name), lambda arn: backend.detach_role_policy(arn, name))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json.get("Properties", {})
        name = props.get("RoleName", original_resource.name)
        if name != original_resource.name:
            cls.delete_from_cloudformation_json(original_resource.name, cloudformation_json, account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        backend = iam(account_id, region_name)
        trust = props["AssumeRolePolicyDocument"]
        backend.update_assume_role_policy(name, trust if isinstance(trust, str) else json.dumps(trust))
        backend.update_role(name, props.get("Description", ""), props.get("MaxSessionDuration", 3600))
        cls._attach(backend, name, list(original_resource.managed_policies), props)
        return backend.get_role(name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = iam(account_id, region_name)
        for role in list(backend.roles.values()):
            if role.name == resource_name:
                cls._attach(backend, resource_name, list(role.managed_policies), {})
        Role.delete_from_cloudformation_json(resource_name, cloudformation_json, account_id, region_name)


class IamstackOIDCProvider(ByARN, CloudFormationModel):
    # moto files every model under the service its module names.
    __module__ = "iamstack_launcher.iam"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @staticmethod
    def cloudformation_type():
        return "AWS::IAM::OIDCProvider"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties", {})
        provider = iam(account_id, region_name).create_open_id_connect_provider(
            props["Url"], props.get("ThumbprintList", []), props.get("ClientIdList", []), props.get("Tags", []))
        return cls(provider.arn)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json.get("Properties", {})
        backend = iam(account_id, region_name)
        provider = backend.get_open_id_connect_provider(original_resource.arn)
        if "https://" + provider.url != props["Url"]:
            cls.delete_from_cloudformation_json(original_resource.arn, cloudformation_json, account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        provider.client_id_list = props.get("ClientIdList", [])
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        iam(account_id, region_name).delete_open_id_connect_provider(resource_name)


def ssoadmin(account_id, region_name):
    from moto.ssoadmin.models import ssoadmin_backends
    return ssoadmin_backends[account_id][region_name]


def identitystore(account_id, region_name):
    from moto.identitystore.models import identitystore_backends
    return identitystore_backends[account_id][region_name]


class Attributes:
    """What an Identity Center resource answers CloudFormation: a physical ID
    and the attributes Fn::GetAtt reads. Every property but a permission
    set's is create-only, so an update replaces the resource."""

    def __init__(self, physical, **attributes):
        self.physical, self.attributes = physical, attributes

    @property
    def physical_resource_id(self):
        return self.physical

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in cls.attrs

    def get_cfn_attribute(self, attribute_name):
        return self.attributes[attribute_name]

    def is_created(self):
        return True

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        cls.delete_from_cloudformation_json(original_resource.physical, cloudformation_json, account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @staticmethod
    def cloudformation_name_type():
        return ""


class IamstackPermissionSet(Attributes, CloudFormationModel):
    __module__ = "iamstack_launcher.ssoadmin"
    attrs = ("PermissionSetArn",)

    @staticmethod
    def cloudformation_type():
        return "AWS::SSO::PermissionSet"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        created = ssoadmin(account_id, region_name).create_permission_set(
            props["Name"], props.get("Description"), props["InstanceArn"], props.get("SessionDuration"), None, [])
        arn = created["PermissionSet"]["PermissionSetArn"] if "PermissionSet" in created else created["PermissionSetArn"]
        cls._converge(account_id, region_name, props, arn)
        return cls(props["InstanceArn"] + "|" + arn, PermissionSetArn=arn)

    @staticmethod
    def _converge(account_id, region_name, props, arn):
        backend, instance = ssoadmin(account_id, region_name), props["InstanceArn"]
        permission_set = backend._find_permission_set(instance, arn)
        sync_attached([p.arn for p in permission_set.managed_policies], props.get("ManagedPolicies", []),
                      lambda a: backend.attach_managed_policy_to_permission_set(instance, arn, a),
                      lambda a: backend.detach_managed_policy_from_permission_set(instance, arn, a))
        for ref in list(permission_set.customer_managed_policies):
            backend.detach_customer_managed_policy_reference_from_permission_set(instance, arn, {"Name": ref.name, "Path": ref.path})
        for ref in props.get("CustomerManagedPolicyReferences", []):
            backend.attach_customer_managed_policy_reference_to_permission_set(instance, arn, {"Name": ref["Name"], "Path": ref.get("Path", "/")})

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        arn = original_resource.attributes["PermissionSetArn"]
        ssoadmin(account_id, region_name).update_permission_set(props["InstanceArn"], arn, props.get("Description"), props.get("SessionDuration"), None)
        cls._converge(account_id, region_name, props, arn)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        instance, arn = resource_name.split("|", 1)
        ssoadmin(account_id, region_name).delete_permission_set(instance, arn)


class IamstackAssignment(Attributes, CloudFormationModel):
    __module__ = "iamstack_launcher.ssoadmin"
    attrs = ()
    keys = ("InstanceArn", "TargetId", "TargetType", "PermissionSetArn", "PrincipalType", "PrincipalId")

    @staticmethod
    def cloudformation_type():
        return "AWS::SSO::Assignment"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        values = [cloudformation_json["Properties"][k] for k in cls.keys]
        ssoadmin(account_id, region_name).create_account_assignment(*values)
        return cls("|".join(values))

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        ssoadmin(account_id, region_name).delete_account_assignment(*resource_name.split("|"))


class IamstackDirectoryGroup(Attributes, CloudFormationModel):
    __module__ = "iamstack_launcher.identitystore"
    attrs = ("GroupId",)

    @staticmethod
    def cloudformation_type():
        return "AWS::IdentityStore::Group"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        group_id, store = identitystore(account_id, region_name).create_group(props["IdentityStoreId"], props["DisplayName"], props.get("Description"))
        return cls(store + "|" + group_id, GroupId=group_id)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        identitystore(account_id, region_name).delete_group(*resource_name.split("|"))


class IamstackDirectoryUser(Attributes, CloudFormationModel):
    __module__ = "iamstack_launcher.identitystore"
    attrs = ("UserId",)

    @staticmethod
    def cloudformation_type():
        return "AWS::IdentityStore::User"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        user_id, store = identitystore(account_id, region_name).create_user(
            p["IdentityStoreId"], p.get("UserName"), p.get("Name", {}), p.get("DisplayName"), p.get("NickName"), p.get("ProfileUrl"),
            p.get("Emails", []), p.get("Addresses", []), p.get("PhoneNumbers", []), p.get("UserType"), p.get("Title"),
            p.get("PreferredLanguage"), p.get("Locale"), p.get("Timezone"))
        return cls(store + "|" + user_id, UserId=user_id)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        identitystore(account_id, region_name).delete_user(*resource_name.split("|"))


class IamstackMembership(Attributes, CloudFormationModel):
    __module__ = "iamstack_launcher.identitystore"
    attrs = ("MembershipId",)

    @staticmethod
    def cloudformation_type():
        return "AWS::IdentityStore::GroupMembership"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        membership, store = identitystore(account_id, region_name).create_group_membership(p["IdentityStoreId"], p["GroupId"], p["MemberId"])
        return cls(store + "|" + membership, MembershipId=membership)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        identitystore(account_id, region_name).delete_group_membership(*resource_name.split("|"))


def sns(account_id, region_name):
    from moto.sns.models import sns_backends
    return sns_backends[account_id][region_name]


class IamstackSubscription(Attributes, CloudFormationModel):
    __module__ = "iamstack_launcher.sns"
    attrs = ("Arn",)

    @staticmethod
    def cloudformation_type():
        return "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        sub = sns(account_id, region_name).subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
        return cls(sub.arn, Arn=sub.arn)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        sns(account_id, region_name).unsubscribe(resource_name)


class IamstackTopicPolicy(Attributes, CloudFormationModel):
    __module__ = "iamstack_launcher.sns"
    attrs = ()

    @staticmethod
    def cloudformation_type():
        return "AWS::SNS::TopicPolicy"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        for topic in p["Topics"]:
            sns(account_id, region_name).set_topic_attribute(topic, "policy", json.dumps(p["PolicyDocument"]))
        return cls("|".join(p["Topics"]))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass


# moto has no Access Analyzer backend: the analyzers are kept here, by
# account, so that a test can read back what the stack created.
ANALYZERS = {}


class IamstackAnalyzer(Attributes, CloudFormationModel):
    __module__ = "iamstack_launcher.accessanalyzer"
    attrs = ("Arn",)

    @staticmethod
    def cloudformation_type():
        return "AWS::AccessAnalyzer::Analyzer"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        arn = f"arn:{get_partition(region_name)}:access-analyzer:{region_name}:{account_id}:analyzer/{p['AnalyzerName']}"
        ANALYZERS.setdefault(account_id, {})[p["AnalyzerName"]] = p
        return cls(arn, Arn=arn)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        ANALYZERS.get(account_id, {}).pop(resource_name.rsplit("/", 1)[-1], None)


def only_aws_policies(names):
    """Make every account's IAM load only the named AWS managed policies."""
    import os

    from moto.iam import models

    wanted = set(names)
    data = {n: d for n, d in json.loads(models.aws_managed_policies_data).items() if n in wanted}
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

    def init(self):
        return [models.AWSManagedPolicy.from_data(n, self.account_id, self.region_name, d) for n, d in data.items()]

    models.IAMBackend._init_aws_policies = init


if __name__ == "__main__":
    import os

    from moto.server import main

    if os.environ.get("IAMSTACK_MOTO_AWS_POLICIES"):
        only_aws_policies(os.environ["IAMSTACK_MOTO_AWS_POLICIES"].split(","))

    host, port = sys.argv[1], sys.argv[2]
    main(["-H", host, "-p", port])
