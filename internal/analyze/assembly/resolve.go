package assembly

import (
	"fmt"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/policy"
)

// resolver turns CloudFormation values of one stack into plain values.
type resolver struct {
	stack     stack
	partition string
	physical  map[string]string // logical ID -> what Ref returns
	arns      map[string]string // logical ID -> what Fn::GetAtt Arn returns
}

// define records what Ref and Fn::GetAtt return for an IAM resource.
func (r *resolver) define(id, typ string, props map[string]any) {
	path := stringOr(props["Path"], "/")
	iam := "arn:" + r.partition + ":iam::" + r.stack.account + ":"
	switch typ {
	case "AWS::IAM::ManagedPolicy":
		name, _ := props["ManagedPolicyName"].(string)
		r.physical[id] = name
		r.arns[id] = iam + "policy" + path + name
		r.physical[id+"#ref"] = r.arns[id] // Ref on a managed policy is its ARN
	case "AWS::IAM::Group":
		name, _ := props["GroupName"].(string)
		r.physical[id], r.arns[id] = name, iam+"group"+path+name
	case "AWS::IAM::User":
		name, _ := props["UserName"].(string)
		r.physical[id], r.arns[id] = name, iam+"user"+path+name
	case "AWS::IAM::Role":
		name, _ := props["RoleName"].(string)
		r.physical[id], r.arns[id] = name, iam+"role"+path+name
	case "AWS::SecretsManager::Secret":
		name, _ := props["Name"].(string)
		r.physical[id+"#ref"] = "arn:" + r.partition + ":secretsmanager:" + r.stack.region + ":" + r.stack.account + ":secret:" + name
	}
}

func (r *resolver) pseudo(name string) (string, bool) {
	switch name {
	case "AWS::Partition":
		return r.partition, true
	case "AWS::AccountId":
		return r.stack.account, true
	case "AWS::Region":
		return r.stack.region, true
	case "AWS::URLSuffix":
		return "amazonaws.com", true
	}
	return "", false
}

// value resolves intrinsic functions anywhere in v.
func (r *resolver) value(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			rv, err := r.value(e)
			if err != nil {
				return nil, err
			}
			out[i] = rv
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				switch fn {
				case "Ref":
					return r.ref(arg)
				case "Fn::GetAtt":
					return r.getAtt(arg)
				case "Fn::Join":
					return r.join(arg)
				case "Fn::Sub":
					return r.sub(arg)
				}
				if strings.HasPrefix(fn, "Fn::") {
					return nil, fmt.Errorf("unsupported intrinsic %s", fn)
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			rv, err := r.value(e)
			if err != nil {
				return nil, err
			}
			out[k] = rv
		}
		return out, nil
	default:
		return v, nil
	}
}

func (r *resolver) ref(arg any) (any, error) {
	name, _ := arg.(string)
	if v, ok := r.pseudo(name); ok {
		return v, nil
	}
	if v, ok := r.physical[name+"#ref"]; ok {
		return v, nil
	}
	if v, ok := r.physical[name]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("Ref %q: no IAM resource or pseudo parameter of that name in stack %s", name, r.stack.id)
}

func (r *resolver) getAtt(arg any) (any, error) {
	parts, _ := arg.([]any)
	if len(parts) != 2 || parts[1] != "Arn" {
		return nil, fmt.Errorf("Fn::GetAtt %v: only Arn is supported", arg)
	}
	id, _ := parts[0].(string)
	if v, ok := r.arns[id]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("Fn::GetAtt %q: no IAM resource of that name in stack %s", id, r.stack.id)
}

func (r *resolver) join(arg any) (any, error) {
	parts, _ := arg.([]any)
	if len(parts) != 2 {
		return nil, fmt.Errorf("Fn::Join takes [separator, [values]]")
	}
	sep, _ := parts[0].(string)
	items, err := r.value(parts[1])
	if err != nil {
		return nil, err
	}
	list, _ := items.([]any)
	strs := make([]string, len(list))
	for i, it := range list {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Join of a non-string %v", it)
		}
		strs[i] = s
	}
	return strings.Join(strs, sep), nil
}

// sub resolves Fn::Sub with pseudo parameters and logical IDs; policy
// variables written ${!name} stay as ${name}.
func (r *resolver) sub(arg any) (any, error) {
	s, ok := arg.(string)
	if !ok {
		return nil, fmt.Errorf("Fn::Sub with a variable map is not supported")
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			return nil, fmt.Errorf("Fn::Sub %q: unterminated ${", s)
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		switch {
		case strings.HasPrefix(name, "!"):
			b.WriteString("${" + name[1:] + "}")
		default:
			id, attr, hasAttr := strings.Cut(name, ".")
			var v any
			var err error
			if hasAttr && attr == "Arn" {
				v, err = r.getAtt([]any{id, "Arn"})
			} else {
				v, err = r.ref(name)
			}
			if err != nil {
				return nil, err
			}
			b.WriteString(fmt.Sprint(v))
		}
		s = s[i+j+1:]
	}
}

func (r *resolver) strings(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	rv, err := r.value(v)
	if err != nil {
		return nil, err
	}
	list, ok := rv.([]any)
	if !ok {
		return nil, fmt.Errorf("expected a list, found %T", rv)
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("expected a string, found %v", e)
		}
		out[i] = s
	}
	return out, nil
}

func (r *resolver) document(v any) (policy.Document, error) {
	if v == nil {
		return policy.Document{}, fmt.Errorf("missing policy document")
	}
	rv, err := r.value(v)
	if err != nil {
		return policy.Document{}, err
	}
	return policy.FromValue(rv)
}

func (r *resolver) boundary(props map[string]any, policies map[string]ManagedPolicy, fail func(string, ...any)) (*evaluate.Policy, string) {
	if props["PermissionsBoundary"] == nil {
		return nil, ""
	}
	v, err := r.value(props["PermissionsBoundary"])
	arn, _ := v.(string)
	if err != nil || arn == "" {
		fail("PermissionsBoundary %v: %v", props["PermissionsBoundary"], err)
		return nil, ""
	}
	if mp, ok := policies[arn]; ok {
		return evaluate.NewPolicy(mp.Name+" (boundary)", mp.Document), arn
	}
	if doc, ok := awsManaged(arn); ok {
		return evaluate.NewPolicy(arn+" (boundary)", doc), arn
	}
	fail("permissions boundary %s is not a policy of the assembly", arn)
	return nil, ""
}
