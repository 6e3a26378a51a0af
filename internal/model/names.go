package model

import "fmt"

// Names that appear on more than one side (Terraform creates it, Kubernetes or
// a script uses it) are computed here and nowhere else, so the two sides can
// never disagree. The rule is "<service>-<environment>" for what the seed
// calls lexecon-staging; objects inside the namespace keep the seed's names.

// Namespace is the Kubernetes namespace of the environment.
func (e *Environment) Namespace() string { return e.Name }

// AppName names the Deployment, Service, HPA, the EKS cluster and the RDS
// instance: lexecon-staging, lexecon-production.
func (e *Environment) AppName() string { return e.Service + "-" + e.Name }

// ClusterName is the EKS cluster's name.
func (e *Environment) ClusterName() string { return e.AppName() }

// DBIdentifier is the RDS instance identifier.
func (e *Environment) DBIdentifier() string { return e.AppName() }

// ConfigMapName is the seed's lexecon-config.
func (e *Environment) ConfigMapName() string { return e.Service + "-config" }

// AppSecretName is the Kubernetes Secret the pods read, the seed's lexecon-secrets.
func (e *Environment) AppSecretName() string { return e.Service + "-secrets" }

// AppSecretID is the Secrets Manager secret holding the API keys.
func (e *Environment) AppSecretID() string { return e.Service + "/" + e.Name + "/app" }

// DatabaseSecretID is the Secrets Manager secret holding the connection
// details (host, port, database, user) that Terraform knows after apply.
func (e *Environment) DatabaseSecretID() string { return e.Service + "/" + e.Name + "/database" }

// ExternalSecretsServiceAccount is the service account External Secrets
// uses in the namespace; the IAM role trusts only it.
func (e *Environment) ExternalSecretsServiceAccount() string { return e.Service + "-external-secrets" }

// ExternalSecretsRoleName is the IAM role External Secrets assumes.
func (e *Environment) ExternalSecretsRoleName() string { return e.AppName() + "-external-secrets" }

// ExternalSecretsRoleARN is that role's ARN, known before it exists.
func (e *Environment) ExternalSecretsRoleARN() string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", e.AWS.AccountID, e.ExternalSecretsRoleName())
}

// ClusterARN is the EKS cluster's ARN, which `aws eks update-kubeconfig`
// makes the cluster name of the kube context.
func (e *Environment) ClusterARN() string {
	return fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", e.AWS.Region, e.AWS.AccountID, e.ClusterName())
}

// DBARN is the RDS instance's ARN, known before it exists. RDS tags the
// master-password secret it manages with it (aws:rds:primaryDBInstanceArn),
// which is how External Secrets finds that secret, whose name is random.
func (e *Environment) DBARN() string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", e.AWS.Region, e.AWS.AccountID, e.DBIdentifier())
}

// SecretStoreName is the External Secrets SecretStore for AWS Secrets Manager.
func (e *Environment) SecretStoreName() string { return e.Service + "-aws-secrets-manager" }

// FinalSnapshotID names the snapshot RDS keeps when the database is
// destroyed.
func (e *Environment) FinalSnapshotID() string { return e.DBIdentifier() + "-final" }

// StateKey is the object key of the environment's Terraform state.
func (e *Environment) StateKey() string { return e.Name + "/terraform.tfstate" }

// ArgoAppName is the Argo CD Application's name.
func (e *Environment) ArgoAppName() string { return e.AppName() }

// ClusterAutoscalerNamespace and ClusterAutoscalerServiceAccount are where
// the Cluster Autoscaler runs; its IAM role trusts only that account.
const (
	ClusterAutoscalerNamespace      = "kube-system"
	ClusterAutoscalerServiceAccount = "cluster-autoscaler"
)

// ClusterAutoscalerRoleName is the IAM role the Cluster Autoscaler assumes
// (IRSA).
func (e *Environment) ClusterAutoscalerRoleName() string { return e.AppName() + "-autoscaler" }

// ClusterAutoscalerRoleARN is that role's ARN, known before it exists.
func (e *Environment) ClusterAutoscalerRoleARN() string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", e.AWS.AccountID, e.ClusterAutoscalerRoleName())
}
