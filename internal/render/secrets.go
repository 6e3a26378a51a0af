package render

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lexecon/lexgen/internal/model"
)

// Secrets reach the pods without ever being written down: Terraform creates
// them in AWS Secrets Manager, External Secrets reads them with an IAM role
// (IRSA) and writes the Kubernetes Secret the Deployment takes its
// environment from.

// externalSecretsServiceAccount is the identity External Secrets uses to read
// this environment's secrets; the annotation names the IAM role Terraform
// creates, whose trust policy admits only this service account.
func externalSecretsServiceAccount(e *model.Environment) *corev1.ServiceAccount {
	m := meta(e, e.ExternalSecretsServiceAccount())
	m.Annotations = map[string]string{"eks.amazonaws.com/role-arn": e.ExternalSecretsRoleARN()}
	return &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: m,
	}
}

func secretStore(e *model.Environment) *SecretStore {
	return &SecretStore{
		TypeMeta:   metav1.TypeMeta{APIVersion: "external-secrets.io/v1", Kind: "SecretStore"},
		ObjectMeta: meta(e, e.SecretStoreName()),
		Spec: SecretStoreSpec{Provider: SecretStoreProvider{AWS: &AWSProvider{
			Service: "SecretsManager",
			Region:  e.AWS.Region,
			Auth: AWSAuth{JWT: &AWSJWTAuth{
				ServiceAccountRef: ServiceAccountSelector{Name: e.ExternalSecretsServiceAccount()},
			}},
		}}},
	}
}

// masterKey is the key under which the RDS-managed master secret (JSON with
// username and password) is available to the template.
const masterKey = "rds_master"

// databaseURL builds DATABASE_URL from the connection details Terraform
// stores and the password RDS manages and rotates. It is an External Secrets
// template (text/template with sprig), evaluated in the cluster.
//
// urlquery is Go's url.QueryEscape: right for every character of a user
// name or password except the space, which it writes as "+", and "+" means
// a plus sign in the user-info part of a URL (a password with a space came
// back from pgx's parser with a "+" in its place: e2e/eso_test.go).
// QueryEscape writes a real "+" as %2B, so every "+" left is a space.
func databaseURL() string {
	const userinfo = `urlquery | replace "+" "%20"`
	return fmt.Sprintf(`{{ $m := .%s | fromJson }}postgresql://{{ $m.username | %s }}:{{ $m.password | %s }}@{{ .db_host }}:{{ .db_port }}/{{ .db_name }}?sslmode=require`, masterKey, userinfo, userinfo)
}

func externalSecret(e *model.Environment) *ExternalSecret {
	data := []ExternalSecretData{
		{SecretKey: "db_host", RemoteRef: RemoteRef{Key: e.DatabaseSecretID(), Property: "host"}},
		{SecretKey: "db_port", RemoteRef: RemoteRef{Key: e.DatabaseSecretID(), Property: "port"}},
		{SecretKey: "db_name", RemoteRef: RemoteRef{Key: e.DatabaseSecretID(), Property: "dbname"}},
	}
	tmpl := map[string]string{"DATABASE_URL": databaseURL()}
	for _, k := range e.Secrets.APIKeys {
		data = append(data, ExternalSecretData{SecretKey: k, RemoteRef: RemoteRef{Key: e.AppSecretID(), Property: k}})
		tmpl[k] = "{{ ." + k + " }}"
	}
	return &ExternalSecret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "external-secrets.io/v1", Kind: "ExternalSecret"},
		ObjectMeta: meta(e, e.AppSecretName()),
		Spec: ExternalSecretSpec{
			RefreshInterval: e.Secrets.RefreshInterval,
			SecretStoreRef:  SecretStoreRef{Kind: "SecretStore", Name: e.SecretStoreName()},
			Target: ExternalSecretTarget{
				Name:           e.AppSecretName(),
				CreationPolicy: "Owner",
				// Keep the Secret if the ExternalSecret goes, so running
				// pods do not lose their database on a bad sync.
				DeletionPolicy: "Retain",
				Template:       &ExternalSecretTemplate{EngineVersion: "v2", Type: "Opaque", Data: tmpl},
			},
			Data: data,
			// The master secret's name is random (rds!db-...); RDS tags it
			// with the instance's ARN, which lexgen knows.
			DataFrom: []ExternalSecretDataFromItem{{
				Find:    &ExternalSecretFind{Tags: map[string]string{"aws:rds:primaryDBInstanceArn": e.DBARN()}},
				Rewrite: []ExternalSecretRewrite{{Regexp: &ExternalSecretRewriteRegexp{Source: "^.*$", Target: masterKey}}},
			}},
		},
	}
}

// reloaderAnnotation is the Deployment annotation Stakater Reloader watches:
// when a Secret it names changes, Reloader changes the pod template and the
// Deployment rolls (Reloader's README, "secret.reloader.stakater.com/reload").
const reloaderAnnotation = "secret.reloader.stakater.com/reload"

// restartOnSecretChange makes the pods restart when External Secrets writes
// a rotated master password into the Secret: they read DATABASE_URL from
// their environment, once, at start.
func restartOnSecretChange(e *model.Environment) map[string]string {
	return map[string]string{reloaderAnnotation: e.AppSecretName()}
}

// secretKeys lists the keys of the Secret the pods receive.
func secretKeys(e *model.Environment) []string {
	return append([]string{"DATABASE_URL"}, e.Secrets.APIKeys...)
}
