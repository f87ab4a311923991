//go:build !unix

package jsiiexit

import "errors"

func redirectStderr() (func(), error) {
	return nil, errors.New("stderr redirection is only implemented on unix")
}
