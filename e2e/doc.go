// Package e2e is the end-to-end suite: the foidesk binary against real
// Postfix and Dovecot from the Debian packages, each started by the test on
// loopback with a generated configuration, certificate and mail store.
// Its tests carry the build tag e2e:
//
//	go test -tags e2e -v ./e2e/...
//
// They need the postfix, dovecot-imapd and tesseract-ocr packages and root
// (Postfix's master runs as root and drops to its own users); without them
// the tests skip on a laptop, saying what to install, and fail when CI=true.
package e2e
