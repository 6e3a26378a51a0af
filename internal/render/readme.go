package render

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/lexecon/lexgen/internal/cost"
	"github.com/lexecon/lexgen/internal/model"
)

// readmeTemplate is the environment at a glance, for the reviewer of a pull
// request that changes it. Every figure comes from the model.
var readmeTemplate = template.Must(template.New("README.md").Funcs(template.FuncMap{
	"yesno": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
	"join":    strings.Join,
	"subnets": subnetList,
}).Parse(`<!-- {{.Header}} -->
# {{.E.Name}}

{{if .E.IsProduction}}Production tier: the production policies apply (multi-AZ database, 30+ days of backups, deletion protection, 2+ replicas, 3+ nodes, approval before apply).{{else}}Non-production tier.{{end}}
Rendered from ` + "`{{.E.Source}}`" + `.

## Infrastructure (AWS, ` + "`infrastructure/terraform`" + `)

| | |
| --- | --- |
| Account / region | {{.E.AWS.AccountID}} / {{.E.AWS.Region}} |
| VPC | {{.E.AWS.VPCID}} |
| Node subnets | {{subnets .E.AWS.NodeSubnets}} |
| Database subnets | {{subnets .E.AWS.DatabaseSubnets}} |
| EKS cluster | {{.E.ClusterName}}, Kubernetes {{.E.Cluster.KubernetesVersion}}, public endpoint: {{yesno .E.Cluster.EndpointPublicAccess}}{{if .E.Cluster.EndpointPublicAccess}} ({{join .E.Cluster.PublicAccessCIDRs ", "}}){{end}} |
| Cluster admins | {{with .E.Cluster.Admins}}{{join . ", "}} and {{end}}the principal that created the cluster |
| Nodes | {{.E.Cluster.Nodes.Desired}} x {{.E.Cluster.Nodes.InstanceType}} (min {{.E.Cluster.Nodes.Min}}, max {{.E.Cluster.Nodes.Max}}), {{.E.Cluster.Nodes.DiskSizeGiB}} GiB disk, {{if eq .E.Cluster.Nodes.CapacityType "SPOT"}}spot{{with .E.Cluster.Nodes.SpotInstanceTypes}} (also {{join . ", "}}){{end}}{{else}}on demand{{end}} |
{{- with .E.Cluster.Nodes.Schedule}}
| Night-time scale-down | {{.NightSize}} nodes from {{.DownAt}} to {{.UpAt}} {{.Days}} ({{.TimeZone}}) |
{{- end}}
| Database | {{.E.DBIdentifier}}: PostgreSQL {{.E.Database.EngineVersion}} on {{.E.Database.InstanceClass}}, {{.E.Database.AllocatedStorageGiB}} GiB gp3{{if .E.Database.MaxAllocatedStorageGiB}}, growing up to {{.E.Database.MaxAllocatedStorageGiB}} GiB{{end}} |
{{- with .E.Database.RestoreFromSnapshot}}
| **Restored from** | **snapshot {{.}}** (see the restore runbook below) |
{{- end}}
| Multi-AZ | {{yesno .E.Database.MultiAZ}} |
| Backups | {{.E.Database.BackupRetentionDays}} days, daily in {{.E.Database.BackupWindow}} UTC; maintenance {{.E.Database.MaintenanceWindow}} UTC |
| Deletion protection | {{yesno .E.Database.DeletionProtection}}; final snapshot on destroy: {{if .E.Database.FinalSnapshot}}{{.E.FinalSnapshotID}}{{else}}none{{end}}; tags copied to snapshots: {{yesno .E.Database.CopyTagsToSnapshot}} |
| Encryption | at rest with a KMS key: {{yesno .E.Database.StorageEncrypted}}; TLS forced: {{yesno .E.Database.ForceTLS}} |
| Disaster recovery | RTO {{.E.Recovery.RTOMinutes}} min, RPO {{.E.Recovery.RPOMinutes}} min (targets; see below) |

## Application (Kubernetes, namespace ` + "`{{.E.Namespace}}`" + `)

| | |
| --- | --- |
| Image | {{.E.App.Image.Ref}} |
| Replicas | {{.E.App.Replicas.Min}}-{{.E.App.Replicas.Max}}, scaling at {{.E.App.Autoscaling.CPUPercent}}% CPU / {{.E.App.Autoscaling.MemoryPercent}}% memory |
| Resources | requests {{.E.App.Resources.Requests.CPU}} CPU / {{.E.App.Resources.Requests.Memory}}, limits {{.E.App.Resources.Limits.CPU}} CPU / {{.E.App.Resources.Limits.Memory}} |
| Service | {{.E.AppName}}: port 80 -> container port {{.E.App.Port}} |
| Health | liveness and readiness on {{.E.App.HealthPath}} |
| Metrics | {{if .E.App.MetricsEnabled}}Prometheus on {{.E.App.MetricsPath}}{{else}}off{{end}} |
| Security | non-root (uid {{.E.App.RunAsUser}}), read-only root filesystem, Pod Security "restricted" |
| Log level | {{.E.App.LogLevel}} |

## Monthly cost

{{.Cost.Summary}} at {{.Cost.PriceRegion}} list prices of {{.Cost.PricesTaken}} (` + "`lexgen cost {{.E.Name}}`" + `):

{{.CostTable}}
## Disaster recovery

What each setting buys against the targets (RTO {{.E.Recovery.RTOMinutes}} min, RPO {{.E.Recovery.RPOMinutes}} min):

- Losing a zone: {{if .E.Database.MultiAZ}}the multi-AZ standby takes over in 1 to 2 minutes, with no data lost{{else}}single-AZ: the database is restored from backup into a new instance, usually 30 to 60 minutes or more{{end}}.
- Losing data (a bad migration, a deleted table): point-in-time recovery to any moment of the last {{.E.Database.BackupRetentionDays}} days, to within about 5 minutes.
- Losing the region: {{with .E.Database.BackupReplication}}automated backups are replicated to {{.Region}} and kept {{.RetentionDays}} days there, so the database can be restored in {{.Region}} to within minutes of the loss{{else}}no cross-region copy: backups stay in {{.E.AWS.Region}} (set database.backupReplication to copy them){{end}}.

### Restore runbook

1. Pick the snapshot: ` + "`aws rds describe-db-snapshots --db-instance-identifier {{.E.DBIdentifier}} --region {{.E.AWS.Region}}`" + ` (automated ones are named ` + "`rds:{{.E.DBIdentifier}}-...`" + `).
2. Set ` + "`database: restoreFromSnapshot: \"<snapshot>\"`" + ` in ` + "`{{.E.Source}}`" + `, run ` + "`lexgen render {{.E.Name}}`" + ` and ` + "`lexgen review`" + ` (it flags the restore), and open a pull request.
3. After review: ` + "`out/{{.E.Name}}/scripts/terraform.sh plan`" + ` shows ` + "`aws_db_instance.this`" + ` replaced: the database is destroyed{{if .E.Database.FinalSnapshot}} (keeping its final snapshot {{.E.FinalSnapshotID}}, which must not exist yet){{end}} and created from the snapshot under the same name.{{if .E.Database.DeletionProtection}} RDS refuses to delete a protected database: turn protection off for the restore with ` + "`aws rds modify-db-instance --db-instance-identifier {{.E.DBIdentifier}} --no-deletion-protection --apply-immediately --region {{.E.AWS.Region}}`" + `; the new instance gets it back from Terraform.{{end}}
4. ` + "`out/{{.E.Name}}/scripts/terraform.sh apply`" + `{{if .E.Delivery.RequireApproval}} (asks for approval){{end}}. The endpoint keeps its name; RDS makes a new master secret, which External Secrets finds by its tag and Terraform's connection-details secret follows.
5. Refresh the Secret now rather than within {{.E.Secrets.RefreshInterval}}: ` + "`kubectl annotate externalsecret {{.E.AppSecretName}} -n {{.E.Namespace}} force-sync=$(date +%s) --overwrite`" + `, then restart the pods: ` + "`kubectl rollout restart deployment/{{.E.AppName}} -n {{.E.Namespace}}`" + `.
6. Keep ` + "`restoreFromSnapshot`" + ` set afterwards: removing it would replace the database again, with an empty one.

## Secrets (references only; values live in AWS Secrets Manager)

- ` + "`{{.E.AppSecretID}}`" + `: {{join .E.Secrets.APIKeys ", "}}
- ` + "`{{.E.DatabaseSecretID}}`" + `: connection details; the master password is managed and rotated by RDS
- The RDS-managed master secret (random name), found by its tag ` + "`aws:rds:primaryDBInstanceArn = {{.E.DBARN}}`" + `
- In the cluster: External Secrets (service account ` + "`{{.E.ExternalSecretsServiceAccount}}`" + `, IAM role ` + "`{{.E.ExternalSecretsRoleName}}`" + `) writes Secret ` + "`{{.E.AppSecretName}}`" + ` with {{.SecretKeys}}, refreshed every {{.E.Secrets.RefreshInterval}}

## Applying it

Argo CD Application ` + "`{{.E.ArgoAppName}}`" + ` (namespace ` + "`{{.E.Delivery.ArgoCD.Namespace}}`" + `) {{if .E.Delivery.AutoSync}}syncs every merge to {{.E.Delivery.Revision}} automatically, with prune and self-heal{{else}}waits for a person to sync{{end}}: ` + "`out/{{.E.Name}}/kubernetes`" + ` of {{.E.Delivery.RepoURL}}.
Terraform state: s3://{{.E.Delivery.TerraformState.Bucket}}/{{.E.StateKey}} (lock table {{.E.Delivery.TerraformState.LockTable}}).

` + "```" + `
out/{{.E.Name}}/scripts/terraform.sh plan
out/{{.E.Name}}/scripts/terraform.sh apply{{if .E.Delivery.RequireApproval}}    # asks for approval{{end}}
aws eks update-kubeconfig --region {{.E.AWS.Region}} --name {{.E.ClusterName}}
kubectl apply --server-side -f out/{{.E.Name}}/argocd/application.yaml    # once: register the Argo CD Application
out/{{.E.Name}}/scripts/deploy.sh{{if .E.Delivery.AutoSync}} --direct    # only to bypass Argo CD{{end}}{{if .E.Delivery.RequireApproval}}    # asks for approval{{end}}
out/{{.E.Name}}/scripts/rollback.sh    # emergency; then revert in Git
` + "```" + `

## Operations

The seed's day-to-day commands, for this environment (the kube context must point at
{{.E.ClusterName}}: ` + "`aws eks update-kubeconfig --region {{.E.AWS.Region}} --name {{.E.ClusterName}}`" + `):

` + "```" + `
kubectl get deployment {{.E.AppName}} -n {{.E.Namespace}} -o wide
kubectl get pods -n {{.E.Namespace}} -l app.kubernetes.io/name={{.E.Service}}
kubectl logs -f deployment/{{.E.AppName}} -n {{.E.Namespace}}
kubectl logs -f -l app.kubernetes.io/name={{.E.Service}} -n {{.E.Namespace}}
kubectl port-forward svc/{{.E.AppName}} {{.E.App.Port}}:80 -n {{.E.Namespace}}
curl http://localhost:{{.E.App.Port}}{{.E.App.HealthPath}}{{if .E.App.MetricsEnabled}}
curl http://localhost:{{.E.App.Port}}{{.E.App.MetricsPath}}{{end}}
kubectl get hpa {{.E.AppName}} -n {{.E.Namespace}}
kubectl get events -n {{.E.Namespace}} --sort-by=.lastTimestamp
kubectl rollout restart deployment/{{.E.AppName}} -n {{.E.Namespace}}
aws rds describe-db-instances --db-instance-identifier {{.E.DBIdentifier}} --region {{.E.AWS.Region}}
aws rds describe-db-log-files --db-instance-identifier {{.E.DBIdentifier}} --region {{.E.AWS.Region}}
` + "```" + `

Replicas are the HPA's ({{.E.App.Replicas.Min}}-{{.E.App.Replicas.Max}}): ` + "`kubectl scale`" + ` lasts only until the HPA next
decides. Configuration is not edited in the cluster: change ` + "`{{.E.Source}}`" + ` (the ConfigMap {{.E.ConfigMapName}}),
render and apply; a ConfigMap change rolls the pods by itself. Secret values are changed in Secrets
Manager ({{.E.AppSecretID}}); External Secrets refreshes ` + "`{{.E.AppSecretName}}`" + ` within {{.E.Secrets.RefreshInterval}}, and a
` + "`kubectl rollout restart`" + ` makes the pods read it.

The Terraform state bucket and lock table, once per account (the seed's bootstrap):

` + "```" + `
aws s3api create-bucket --bucket {{.E.Delivery.TerraformState.Bucket}} --region {{.E.Delivery.TerraformState.Region}}{{if ne .E.Delivery.TerraformState.Region "us-east-1"}} --create-bucket-configuration LocationConstraint={{.E.Delivery.TerraformState.Region}}{{end}}
aws dynamodb create-table --table-name {{.E.Delivery.TerraformState.LockTable}} --attribute-definitions AttributeName=LockID,AttributeType=S --key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST --region {{.E.Delivery.TerraformState.Region}}
` + "```" + `
`))

func subnetList(ss []model.Subnet) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.ID + " (" + s.Zone + ")"
	}
	return strings.Join(parts, ", ")
}

func readmeFiles(e *model.Environment) ([]File, error) {
	if e.Prices == nil {
		return nil, fmt.Errorf("no price table to estimate the cost with")
	}
	est, err := cost.Of(e, e.Prices)
	if err != nil {
		return nil, err
	}
	var table bytes.Buffer
	est.WriteMarkdown(&table)
	var b bytes.Buffer
	err = readmeTemplate.Execute(&b, struct {
		Header     string
		E          *model.Environment
		SecretKeys string
		Cost       cost.Estimate
		CostTable  string
	}{strings.TrimSpace(strings.TrimPrefix(header("", e.Source), " ")), e, secretKeys(e), est, table.String()})
	if err != nil {
		return nil, err
	}
	return []File{{Path: "README.md", Data: b.Bytes()}}, nil
}
