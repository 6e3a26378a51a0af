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
| Nodes | {{.E.Cluster.Nodes.Desired}} x {{.E.Cluster.Nodes.InstanceType}} (min {{.E.Cluster.Nodes.Min}}, max {{.E.Cluster.Nodes.Max}}), {{.E.Cluster.Nodes.DiskSizeGiB}} GiB disk |
| Database | {{.E.DBIdentifier}}: PostgreSQL {{.E.Database.EngineVersion}} on {{.E.Database.InstanceClass}}, {{.E.Database.AllocatedStorageGiB}} GiB gp3 |
| Multi-AZ | {{yesno .E.Database.MultiAZ}} |
| Backups | {{.E.Database.BackupRetentionDays}} days, daily in {{.E.Database.BackupWindow}} UTC; maintenance {{.E.Database.MaintenanceWindow}} UTC |
| Deletion protection | {{yesno .E.Database.DeletionProtection}} |
| Encryption | at rest with a KMS key: {{yesno .E.Database.StorageEncrypted}}; TLS forced: {{yesno .E.Database.ForceTLS}} |
| Disaster recovery | RTO {{.E.Recovery.RTOMinutes}} min, RPO {{.E.Recovery.RPOMinutes}} min |

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
