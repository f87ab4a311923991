// Package child ties the life of a process iamstack starts to its own.
package child
