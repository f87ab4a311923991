package assembly

import (
	"strings"
	"testing"
)

func TestResolveIntrinsics(t *testing.T) {
	r := &resolver{stack: stack{id: "s", account: "222222222222", region: "eu-west-1"}, partition: "aws",
		physical: map[string]string{}, arns: map[string]string{}}
	r.define("Pol", "AWS::IAM::ManagedPolicy", map[string]any{"ManagedPolicyName": "infra-P"})
	r.define("Usr", "AWS::IAM::User", map[string]any{"UserName": "ci", "Path": "/infra/"})
	r.define("Grp", "AWS::IAM::Group", map[string]any{"GroupName": "infra-G"})
	cases := []struct {
		in   any
		want any
	}{
		{map[string]any{"Ref": "Pol"}, "arn:aws:iam::222222222222:policy/infra-P"},
		{map[string]any{"Ref": "Grp"}, "infra-G"},
		{map[string]any{"Ref": "Usr"}, "ci"},
		{map[string]any{"Fn::GetAtt": []any{"Usr", "Arn"}}, "arn:aws:iam::222222222222:user/infra/ci"},
		{map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::aws:policy/ReadOnlyAccess"}}}, "arn:aws:iam::aws:policy/ReadOnlyAccess"},
		{map[string]any{"Fn::Sub": "arn:${AWS::Partition}:s3:::b-${AWS::AccountId}-${AWS::Region}/${!aws:username}"}, "arn:aws:s3:::b-222222222222-eu-west-1/${aws:username}"},
		{map[string]any{"Fn::Sub": "${Usr.Arn}"}, "arn:aws:iam::222222222222:user/infra/ci"},
		{[]any{map[string]any{"Ref": "AWS::URLSuffix"}, "x"}, []any{"amazonaws.com", "x"}},
	}
	for _, tc := range cases {
		got, err := r.value(tc.in)
		if err != nil {
			t.Errorf("%v: %v", tc.in, err)
			continue
		}
		if fmtAny(got) != fmtAny(tc.want) {
			t.Errorf("%v = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, bad := range []any{
		map[string]any{"Ref": "Missing"},
		map[string]any{"Fn::GetAtt": []any{"Usr", "UniqueId"}},
		map[string]any{"Fn::ImportValue": "x"},
	} {
		if _, err := r.value(bad); err == nil {
			t.Errorf("%v resolved; want an error", bad)
		}
	}
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmtAny(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case string:
		return x
	}
	return "?"
}

func TestReadRejectsWhatIsNotAnAssembly(t *testing.T) {
	if _, err := Read(t.TempDir()); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("error %v", err)
	}
}
