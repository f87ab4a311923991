// Package awsapi is how iamstack calls AWS: through the AWS SDK for Go v2,
// with the credentials a profile of ~/.aws/config or the environment gives,
// and an endpoint that tests and air-gapped partitions may point elsewhere
// (--endpoint-url, or the SDK's own AWS_ENDPOINT_URL and endpoint_url
// settings). The AWS CLI stays what users run themselves.
package awsapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Options say which credentials, region and endpoint to call AWS with.
type Options struct {
	// Profile is a profile of ~/.aws/config; empty for the default chain
	// (the environment's credentials, then the default profile).
	Profile string
	Region  string
	// Endpoint, when set, replaces every service's endpoint:
	// http://127.0.0.1:5000 for a moto server.
	Endpoint string
}

// ProfileVariable is the environment variable that names the profile of
// an account for the commands that work in many (drift, promote, baseline):
// IAMSTACK_PROFILE_ and the account's name in capitals, each character
// but letters and digits an underscore.
func ProfileVariable(account string) string {
	return "IAMSTACK_PROFILE_" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, account)
}

// Load is the SDK's configuration for the options.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(o.Endpoint))
	}
	// A profile that assumes a role (role_arn) gets its STS client while
	// the SDK resolves credentials, and with the endpoint in the
	// environment that client calls AWS's STS: it is sent to the endpoint
	// too, as every other call.
	if endpoint := cmp.Or(o.Endpoint, os.Getenv("AWS_ENDPOINT_URL_STS"), os.Getenv("AWS_ENDPOINT_URL")); endpoint != "" {
		opts = append(opts, config.WithAssumeRoleCredentialOptions(func(ao *stscreds.AssumeRoleOptions) { ao.Client = at(ao.Client, endpoint) }))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		what := "the default credentials"
		if o.Profile != "" {
			what = "profile " + o.Profile
		}
		return aws.Config{}, fmt.Errorf("AWS configuration for %s: %w", what, err)
	}
	return cfg, nil
}

// at is an STS client that sends its calls to endpoint.
func at(client stscreds.AssumeRoleAPIClient, endpoint string) stscreds.AssumeRoleAPIClient {
	c, ok := client.(*sts.Client)
	if !ok {
		return client
	}
	o := c.Options()
	o.BaseEndpoint = aws.String(endpoint)
	return sts.New(o)
}

// AssumeIn is the configuration of cfg with the credentials of a role
// assumed from cfg's: the same session name as cfg's own session (a
// role's trust that iamstack writes for role chaining requires it), or
// for an IAM user, its name. The credentials are fetched, and refreshed,
// when a client first signs a call.
func AssumeIn(ctx context.Context, cfg aws.Config, roleARN string) (aws.Config, error) {
	client := sts.NewFromConfig(cfg)
	me, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return aws.Config{}, fmt.Errorf("who the credentials are (sts get-caller-identity): %w", err)
	}
	session := aws.ToString(me.UserId)
	if _, name, chained := strings.Cut(session, ":"); chained {
		session = name
	} else {
		session = aws.ToString(me.Arn)[strings.LastIndex(aws.ToString(me.Arn), "/")+1:]
	}
	assumed := cfg.Copy()
	assumed.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = session
	}))
	return assumed, nil
}

// S3 is an S3 client of the configuration. An endpoint other than AWS's
// (a loopback server, a partition's gateway) is addressed by path: a
// bucket's own host name resolves only at AWS.
func S3(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL_S3") != "" {
			o.UsePathStyle = true
		}
	})
}

// Code is the error code of an AWS API error ("NoSuchBucket",
// "ValidationError"), or "" for another error.
func Code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
