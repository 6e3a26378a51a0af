package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/template"

	"github.com/lexecon/lexgen/internal/cost"
	"github.com/lexecon/lexgen/internal/markdown"
	"github.com/lexecon/lexgen/internal/model"
)

// readmeTemplate is the environment at a glance, for the reviewer of a pull
// request that changes it, and the runbook from an empty account to a
// running service. Every figure comes from the model; every string from
// the model reaches the Markdown through internal/markdown (text, code,
// block) and every command through commands, which quotes each value with
// shellQuote.
var readmeTemplate = template.Must(template.New("README.md").Funcs(template.FuncMap{
	"yesno": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
	"join":    strings.Join,
	"subnets": subnetList,
	"text":    markdown.Text,
	"code":    markdown.Code,
	"codes": func(ss []string) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = markdown.Code(s)
		}
		return strings.Join(out, ", ")
	},
	"codeblock": func(lines []string) string { return markdown.CodeBlock(lines...) },
	"why":       componentWhy,
	"labels":    labelList,
}).Parse(`{{.Header}}
# {{text .E.Name}}

{{if .E.IsProduction}}Production tier: the production policies apply (multi-AZ database, 30+ days of backups, deletion protection, 2+ replicas, 3+ nodes, approval before apply).{{else}}Non-production tier.{{end}}
Rendered from {{code .E.Source}}.

## Infrastructure (AWS, ` + "`infrastructure/terraform`" + `)

| | |
| --- | --- |
| Account / region | {{text .E.AWS.AccountID}} / {{text .E.AWS.Region}} |
| VPC | {{text .E.AWS.VPCID}} |
| Node subnets | {{text (subnets .E.AWS.NodeSubnets)}} |
| Database subnets | {{text (subnets .E.AWS.DatabaseSubnets)}} |
| EKS cluster | {{text .E.ClusterName}}, Kubernetes {{text .E.Cluster.KubernetesVersion}}, public endpoint: {{yesno .E.Cluster.EndpointPublicAccess}}{{if .E.Cluster.EndpointPublicAccess}} ({{text (join .E.Cluster.PublicAccessCIDRs ", ")}}){{end}} |
| Cluster admins | the principal that runs the first ` + "`terraform apply`" + ` (EKS makes it admin at creation){{with .E.Cluster.Admins}}, and {{text (join . ", ")}}{{end}} |
| Nodes | {{.E.Cluster.Nodes.Desired}} x {{text .E.Cluster.Nodes.InstanceType}} (min {{.E.Cluster.Nodes.Min}}, max {{.E.Cluster.Nodes.Max}}), {{.E.Cluster.Nodes.DiskSizeGiB}} GiB disk, {{if eq .E.Cluster.Nodes.CapacityType "SPOT"}}spot{{with .E.Cluster.Nodes.SpotInstanceTypes}} (also {{text (join . ", ")}}){{end}}{{else}}on demand{{end}} |
{{- with .E.Cluster.Nodes.Schedule}}
| Night-time scale-down | {{.NightSize}} nodes from {{text .DownAt}} to {{text .UpAt}} {{text .Days}} ({{text .TimeZone}}) |
{{- end}}
| Database | {{text .E.DBIdentifier}}: PostgreSQL {{text .E.Database.EngineVersion}} on {{text .E.Database.InstanceClass}}, {{.E.Database.AllocatedStorageGiB}} GiB gp3{{if .E.Database.MaxAllocatedStorageGiB}}, growing up to {{.E.Database.MaxAllocatedStorageGiB}} GiB{{end}} |
{{- with .E.Database.RestoreFromSnapshot}}
| **Restored from** | **snapshot {{text .}}** (see the restore runbook below) |
{{- end}}
| Multi-AZ | {{yesno .E.Database.MultiAZ}} |
| Backups | {{.E.Database.BackupRetentionDays}} days, daily in {{text .E.Database.BackupWindow}} UTC; maintenance {{text .E.Database.MaintenanceWindow}} UTC |
| Deletion protection | {{yesno .E.Database.DeletionProtection}}; final snapshot on destroy: {{if .E.Database.FinalSnapshot}}{{text .E.FinalSnapshotID}}{{else}}none{{end}}; tags copied to snapshots: {{yesno .E.Database.CopyTagsToSnapshot}} |
| Encryption | at rest with a KMS key: {{yesno .E.Database.StorageEncrypted}}; TLS forced: {{yesno .E.Database.ForceTLS}} |
| Disaster recovery | RTO {{.E.Recovery.RTOMinutes}} min, RPO {{.E.Recovery.RPOMinutes}} min (targets; see below) |

## Application (Kubernetes, namespace {{code .E.Namespace}})

| | |
| --- | --- |
| Image | {{text .E.App.Image.Ref}} |
| Replicas | {{.E.App.Replicas.Min}}-{{.E.App.Replicas.Max}}, scaling at {{.E.App.Autoscaling.CPUPercent}}% CPU / {{.E.App.Autoscaling.MemoryPercent}}% memory |
| Resources | requests {{text .E.App.Resources.Requests.CPU}} CPU / {{text .E.App.Resources.Requests.Memory}}, limits {{text .E.App.Resources.Limits.CPU}} CPU / {{text .E.App.Resources.Limits.Memory}} |
| Service | {{text .E.AppName}}: port 80 -> container port {{.E.App.Port}} |
| Health | readiness on {{text .E.App.HealthPath}} (it checks the database); liveness and startup only that the port accepts connections |
| Metrics | {{if .E.App.MetricsEnabled}}Prometheus on {{text .E.App.MetricsPath}}{{else}}off{{end}} |
| Security | non-root (uid {{.E.App.RunAsUser}}), read-only root filesystem, Pod Security "restricted" |
| Log level | {{text .E.App.LogLevel}} |

## Monthly cost

{{text .Cost.Summary}} at {{text .Cost.PriceRegion}} list prices of {{text .Cost.PricesTaken}} ({{code .Run.Cost}}):

{{.CostTable}}
## From nothing to a running service

Once, in this order, for a new environment; every command is this environment's.

1. The Terraform state bucket, once per account (the seed's bootstrap; skip what exists): versioned, so an overwritten or deleted state can be recovered, closed to public access, and refusing requests without TLS{{if .E.Delivery.TerraformState.LockTable}}; and the DynamoDB lock table{{end}}:

{{codeblock .Run.Bootstrap}}
2. The infrastructure: the script initialises {{code "infrastructure/terraform"}} with {{code .Run.Backend}}, plans with {{code .Run.Tfvars}}, and applies the saved plan (the cluster and the database take 20 to 30 minutes):

{{codeblock .Run.Infrastructure}}
3. Access to the cluster: the principal that ran the apply is cluster admin (EKS makes an access entry for the cluster's creator: {{code "bootstrap_cluster_creator_admin_permissions = true"}} in {{code "infrastructure/terraform/eks.tf"}}){{with .E.Cluster.Admins}}, and so are {{text (join . ", ")}} ({{code "cluster.admins"}}){{else}}; list the people and pipelines that deploy in {{code "cluster.admins"}} to give them access too{{end}}:

{{codeblock .Run.Access}}
4. The cluster's platform (table below): Terraform has made the EKS add-ons; the script installs Argo CD {{text .E.Platform.ArgoCD.Version}} with helm{{if not .E.Delivery.ArgoCD.InCluster}} (skipped here: Argo CD runs outside the cluster){{end}}, then applies {{code .Run.PlatformDir}} one sync wave at a time, components that install CRDs first, and waits for each to be Healthy:

{{codeblock .Run.Platform}}
5. The application secret, before the first deploy: Terraform creates {{code .E.AppSecretID}} without a value, and External Secrets cannot build Secret {{code .E.AppSecretName}} until it holds {{codes .E.Secrets.APIKeys}}. Put the real values in place of the placeholders (a file keeps them out of the shell history: {{code "--secret-string file://app-secret.json"}}):

{{codeblock .Run.AppSecret}}
6. The deploy: register the Argo CD Application once; {{if .E.Delivery.AutoSync}}Argo CD then syncs {{code .Run.KubernetesDir}} of {{code .E.Delivery.Revision}} by itself, and the rollout shows the pods coming up{{else}}it waits for a person to sync, which the deploy script does (it shows the diff, asks for approval{{if not .E.Delivery.RequireApproval}} where required{{end}} and waits for the rollout){{end}}:

{{codeblock .Run.Deploy}}
## Platform (pinned; {{code "platform"}} in the model)

| Component | Version | Installed by | Why |
| --- | --- | --- | --- |
| vpc-cni (EKS add-on) | {{text .E.Platform.Addons.VPCCNI.Version}} | Terraform | pod networking; NetworkPolicy enforcement: {{yesno .E.Platform.Addons.VPCCNI.NetworkPolicy}} |
| coredns (EKS add-on) | {{text .E.Platform.Addons.CoreDNS}} | Terraform | cluster DNS |
| kube-proxy (EKS add-on) | {{text .E.Platform.Addons.KubeProxy}} | Terraform | Service routing |
| eks-pod-identity-agent (EKS add-on) | {{text .E.Platform.Addons.PodIdentityAgent}} | Terraform | AWS credentials for pods by EKS Pod Identity |
| metrics-server (EKS add-on) | {{text .E.Platform.Addons.MetricsServer}} | Terraform | the resource metrics the HPA scales on |
{{- range .Platform}}
| {{text .Name}} (chart {{text .Chart.Name}}, namespace {{text .Namespace}}, wave {{.Wave}}) | {{text .Chart.Version}} | Argo CD, from {{code .Chart.Repo}} | {{text (why .Name)}} |
{{- end}}
| argo-cd (chart {{text .E.Platform.ArgoCD.Name}}, namespace {{text .E.Delivery.ArgoCD.Namespace}}) | {{text .E.Platform.ArgoCD.Version}} | {{if .E.Delivery.ArgoCD.InCluster}}bootstrap-platform.sh, from {{code .E.Platform.ArgoCD.Repo}}{{else}}runs outside this cluster{{end}} | syncs the platform and the application |
{{- if not .E.Platform.Prometheus.Install}}
| Prometheus (existing) | | not lexgen | must run in namespace {{text .E.App.MonitoringNamespace}} and select ServiceMonitors labelled {{text (labels .E.Platform.Prometheus.ServiceMonitorLabels)}} |
{{- end}}

## Disaster recovery

What each setting buys against the targets (RTO {{.E.Recovery.RTOMinutes}} min, RPO {{.E.Recovery.RPOMinutes}} min):

- Losing a zone: {{if .E.Database.MultiAZ}}the multi-AZ standby takes over in 1 to 2 minutes, with no data lost{{else}}single-AZ: the database is restored from backup into a new instance, usually 30 to 60 minutes or more{{end}}.
- Losing data (a bad migration, a deleted table): point-in-time recovery to any moment of the last {{.E.Database.BackupRetentionDays}} days, to within about 5 minutes.
- Losing the region: {{with .E.Database.BackupReplication}}automated backups are replicated to {{text .Region}} and kept {{.RetentionDays}} days there, so the database can be restored in {{text .Region}} to within minutes of the loss{{else}}no cross-region copy: backups stay in {{text .E.AWS.Region}} (set database.backupReplication to copy them){{end}}.

### Restore runbook

1. Pick the snapshot: {{code .Run.Snapshots}} (automated ones are named {{code (printf "rds:%s-..." .E.DBIdentifier)}}).
2. Set ` + "`database: restoreFromSnapshot: \"<snapshot>\"`" + ` in {{code .E.Source}}, run {{code .Run.Render}} and ` + "`lexgen review`" + ` (it flags the restore), and open a pull request.
3. After review: {{code .Run.Plan}} shows ` + "`aws_db_instance.this`" + ` replaced: the database is destroyed{{if .E.Database.FinalSnapshot}} (keeping its final snapshot {{text .E.FinalSnapshotID}}, which must not exist yet){{end}} and created from the snapshot under the same name.{{if .E.Database.DeletionProtection}} RDS refuses to delete a protected database: turn protection off for the restore with {{code .Run.Unprotect}}; the new instance gets it back from Terraform.{{end}}
4. {{code .Run.Apply}}{{if .E.Delivery.RequireApproval}} (asks for approval){{end}}. The endpoint keeps its name; RDS makes a new master secret, which External Secrets finds by its tag and Terraform's connection-details secret follows.
5. Refresh the Secret now rather than within {{text .E.Secrets.RefreshInterval}}: {{code .Run.ForceSync}}; Reloader then rolls the Deployment, as on a password rotation (below): {{code .Run.RolloutStatus}} shows it finish.
6. Keep ` + "`restoreFromSnapshot`" + ` set afterwards: removing it would replace the database again, with an empty one.

## Secrets (references only; values live in AWS Secrets Manager)

- {{code .E.AppSecretID}}: {{codes .E.Secrets.APIKeys}}
- {{code .E.DatabaseSecretID}}: connection details; the master password is managed and rotated by RDS
- The RDS-managed master secret (random name), found by its tag {{code (printf "aws:rds:primaryDBInstanceArn = %s" .E.DBARN)}}
- In the cluster: External Secrets (service account {{code .E.ExternalSecretsServiceAccount}}, IAM role {{code .E.ExternalSecretsRoleName}}) writes Secret {{code .E.AppSecretName}} with {{codes .SecretKeys}}, refreshed every {{text .E.Secrets.RefreshInterval}}

## Applying it

Argo CD Application {{code .E.ArgoAppName}} (namespace {{code .E.Delivery.ArgoCD.Namespace}}) {{if .E.Delivery.AutoSync}}syncs every merge to {{text .E.Delivery.Revision}} automatically, with prune and self-heal{{else}}waits for a person to sync{{end}}: {{code .Run.KubernetesDir}} of {{code .E.Delivery.RepoURL}}.
Terraform state: {{code (printf "s3://%s/%s" .E.Delivery.TerraformState.Bucket .E.StateKey)}} (locked by a lock file beside it{{with .E.Delivery.TerraformState.LockTable}} and by the DynamoDB table {{text .}}{{end}}).

{{codeblock .Run.Applying}}
## Operations

The seed's day-to-day commands, for this environment (the kube context must point at
{{text .E.ClusterName}}: {{code .Run.Kubeconfig}}):

{{codeblock .Run.Operations}}
Replicas are the HPA's ({{.E.App.Replicas.Min}}-{{.E.App.Replicas.Max}}): ` + "`kubectl scale`" + ` lasts only until the HPA next
decides. Configuration is not edited in the cluster: change {{code .E.Source}} (the ConfigMap {{text .E.ConfigMapName}}),
render and apply; a ConfigMap change rolls the pods by itself. Secret values are changed in Secrets
Manager ({{text .E.AppSecretID}}); External Secrets refreshes {{code .E.AppSecretName}} within {{text .E.Secrets.RefreshInterval}}, and
Reloader rolls the pods when it does.
`))

// value is a word of a command that comes from the model: command quotes
// it with shellQuote. Plain strings are lexgen's own words, written as
// they are.
type value string

// command is one shell command line; comment, when not empty, follows it
// after "    # ".
func command(words ...any) string {
	parts := make([]string, 0, len(words))
	for _, w := range words {
		switch w := w.(type) {
		case value:
			parts = append(parts, shellQuote(string(w)))
		case string:
			parts = append(parts, w)
		default:
			panic(fmt.Sprintf("command: %T is neither a value nor lexgen's own word", w))
		}
	}
	return strings.Join(parts, " ")
}

func commented(line, comment string) string { return line + "    # " + comment }

// runbook holds every command out/<env>/README.md shows, built from the
// model's name functions (one name, one source).
type runbook struct {
	Cost, Render, Plan, Apply, Snapshots, Unprotect, ForceSync, RolloutStatus, Kubeconfig string
	Backend, Tfvars, KubernetesDir, PlatformDir                                           string

	Bootstrap, Infrastructure, Access, Platform, AppSecret, Deploy, Applying, Operations []string
}

// outPath is a path under out/<env>/, from the repository root.
func outPath(e *model.Environment, rel string) string { return "out/" + e.Name + "/" + rel }

func newRunbook(e *model.Environment) (runbook, error) {
	region := value(e.AWS.Region)
	ns := value(e.Namespace())
	script := func(name string) value { return value(outPath(e, "scripts/"+name)) }
	state := e.Delivery.TerraformState
	r := runbook{
		Cost:          command("lexgen cost", value(e.Name)),
		Render:        command("lexgen render", value(e.Name)),
		Plan:          command(script("terraform.sh"), "plan"),
		Apply:         command(script("terraform.sh"), "apply"),
		Snapshots:     command("aws rds describe-db-snapshots --db-instance-identifier", value(e.DBIdentifier()), "--region", region),
		Unprotect:     command("aws rds modify-db-instance --db-instance-identifier", value(e.DBIdentifier()), "--no-deletion-protection --apply-immediately --region", region),
		ForceSync:     command("kubectl annotate externalsecret", value(e.AppSecretName()), "-n", ns, "force-sync=$(date +%s) --overwrite"),
		RolloutStatus: command("kubectl rollout status", value("deployment/"+e.AppName()), "-n", ns),
		Kubeconfig:    command("aws eks update-kubeconfig --name", value(e.ClusterName()), "--region", region),
		Backend:       outPath(e, "terraform/backend.hcl"),
		Tfvars:        outPath(e, "terraform/"+e.Name+".tfvars"),
		KubernetesDir: outPath(e, "kubernetes"),
		PlatformDir:   outPath(e, "platform"),
	}
	bucket := command("aws s3api create-bucket --bucket", value(state.Bucket), "--region", value(state.Region))
	if state.Region != "us-east-1" {
		// us-east-1 is the one region CreateBucket refuses a location
		// constraint for (S3 API reference, CreateBucket).
		bucket += " " + command("--create-bucket-configuration", value("LocationConstraint="+state.Region))
	}
	r.Bootstrap = []string{
		bucket,
		command("aws s3api put-bucket-versioning --bucket", value(state.Bucket), "--versioning-configuration Status=Enabled --region", value(state.Region)),
		command("aws s3api put-public-access-block --bucket", value(state.Bucket),
			"--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true --region", value(state.Region)),
		command("aws s3api put-bucket-policy --bucket", value(state.Bucket), "--policy", value(StateBucketPolicy(state.Bucket)), "--region", value(state.Region)),
	}
	if state.LockTable != "" {
		r.Bootstrap = append(r.Bootstrap, command("aws dynamodb create-table --table-name", value(state.LockTable),
			"--attribute-definitions AttributeName=LockID,AttributeType=S --key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST --region", value(state.Region)))
	}
	apply := r.Apply
	if e.Delivery.RequireApproval {
		apply = commented(apply, "asks for approval")
	}
	r.Infrastructure = []string{r.Plan, apply}
	r.Access = []string{r.Kubeconfig, command("kubectl get nodes")}
	bootstrap := command(script("bootstrap-platform.sh"))
	if e.Delivery.RequireApproval {
		bootstrap = commented(bootstrap, "asks for approval")
	}
	r.Platform = []string{bootstrap, commented(command("kubectl get applications -n", value(e.Delivery.ArgoCD.Namespace)), "every platform Application Synced and Healthy")}

	placeholders := map[string]string{}
	for _, k := range e.Secrets.APIKeys {
		placeholders[k] = "<" + k + ">"
	}
	var secret bytes.Buffer
	enc := json.NewEncoder(&secret)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(placeholders); err != nil { // keys sorted: byte-identical every run
		return r, err
	}
	r.AppSecret = []string{command("aws secretsmanager put-secret-value --secret-id", value(e.AppSecretID()), "--secret-string", value(strings.TrimSpace(secret.String())), "--region", region)}

	register := commented(command("kubectl apply --server-side -f", value(outPath(e, "argocd/application.yaml"))), "once: register the Argo CD Application")
	deploy := command(script("deploy.sh"))
	if e.Delivery.RequireApproval {
		deploy = commented(deploy, "asks for approval")
	}
	if e.Delivery.AutoSync {
		r.Deploy = []string{register, command("kubectl rollout status", value("deployment/"+e.AppName()), "-n", ns, "--timeout 10m")}
	} else {
		r.Deploy = []string{register, deploy}
	}
	r.Deploy = append(r.Deploy, commented(command("kubectl get externalsecret", value(e.AppSecretName()), "-n", ns), "Ready: the secret reached the cluster"))

	direct := command(script("deploy.sh"))
	if e.Delivery.AutoSync {
		direct = commented(command(script("deploy.sh"), "--direct"), "only to bypass Argo CD")
	} else if e.Delivery.RequireApproval {
		direct = commented(direct, "asks for approval")
	}
	r.Applying = []string{r.Plan, apply, r.Kubeconfig, register, direct, commented(command(script("rollback.sh")), "emergency; then revert in Git")}

	dep := value("deployment/" + e.AppName())
	selector := value("app.kubernetes.io/name=" + e.Service)
	r.Operations = []string{
		command("kubectl get deployment", value(e.AppName()), "-n", ns, "-o wide"),
		command("kubectl get pods -n", ns, "-l", selector),
		command("kubectl logs -f", dep, "-n", ns),
		command("kubectl logs -f -l", selector, "-n", ns),
		command("kubectl port-forward", value("svc/"+e.AppName()), value(fmt.Sprintf("%d:80", e.App.Port)), "-n", ns),
		command("curl", value(fmt.Sprintf("http://localhost:%d%s", e.App.Port, e.App.HealthPath))),
	}
	if e.App.MetricsEnabled {
		r.Operations = append(r.Operations, command("curl", value(fmt.Sprintf("http://localhost:%d%s", e.App.Port, e.App.MetricsPath))))
	}
	r.Operations = append(r.Operations,
		command("kubectl get hpa", value(e.AppName()), "-n", ns),
		command("kubectl get events -n", ns, "--sort-by=.lastTimestamp"),
		r.RolloutStatus,
		commented(command("kubectl drain", value("NODE"), "--ignore-daemonsets --delete-emptydir-data"),
			"the app's pods keep /tmp in an emptyDir; the PodDisruptionBudget paces the evictions"),
		command("aws rds describe-db-instances --db-instance-identifier", value(e.DBIdentifier()), "--region", region),
		command("aws rds describe-db-log-files --db-instance-identifier", value(e.DBIdentifier()), "--region", region),
	)
	return r, nil
}

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
	run, err := newRunbook(e)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = readmeTemplate.Execute(&b, struct {
		Header     string
		E          *model.Environment
		SecretKeys []string
		Cost       cost.Estimate
		CostTable  string
		Run        runbook
		Platform   []Component
	}{markdown.Comment(strings.TrimSpace(header("", e.Source))), e, secretKeys(e), est, table.String(), run, Platform(e)})
	if err != nil {
		return nil, err
	}
	b.WriteString(rotationSection(e, run))
	return []File{{Path: "README.md", Data: b.Bytes()}}, nil
}

// rotationSection says what happens when RDS rotates the master password
// (every 7 days by default, per the RDS user guide on Secrets Manager
// password management): the Secret follows within the refresh interval and
// Stakater Reloader rolls the Deployment. Values from the model go through
// internal/markdown, the command through the runbook.
func rotationSection(e *model.Environment, run runbook) string {
	var b strings.Builder
	b.WriteString("\n## When the master password rotates\n\n")
	b.WriteString("RDS rotates the master password in its Secrets Manager secret (every 7 days unless changed in RDS); nobody has to act:\n\n")
	fmt.Fprintf(&b, "1. Within %s, External Secrets reads the new password and rewrites `DATABASE_URL` in Secret %s.\n",
		markdown.Text(e.Secrets.RefreshInterval), markdown.Code(e.AppSecretName()))
	fmt.Fprintf(&b, "2. Stakater Reloader (the platform installs it: `platform/reloader.yaml`) sees the Deployment's annotation %s and rolls Deployment %s: new pods start with the new `DATABASE_URL`, old ones stop (no pod down before its replacement is ready).\n",
		markdown.Code(reloaderAnnotation+": "+e.AppSecretName()), markdown.Code(e.AppName()))
	fmt.Fprintf(&b, "\nUntil then, running pods keep the old password and their new connections fail. To end that at once (Reloader then rolls the pods):\n\n%s",
		markdown.CodeBlock(run.ForceSync))
	b.WriteString("\nThe application logs in as the master user: a least-privilege role of its own is not built yet.\n")
	return b.String()
}

// componentWhy says what each in-cluster component is there for.
func componentWhy(name string) string {
	return map[string]string{
		"external-secrets":      "writes the app's Secret from Secrets Manager (SecretStore, ExternalSecret)",
		"kube-prometheus-stack": "Prometheus Operator CRDs and a Prometheus that scrapes the ServiceMonitor",
		"reloader":              "rolls the Deployment when the Secret changes (password rotation)",
		"cluster-autoscaler":    "moves the node group between nodes.min and nodes.max (IAM role by IRSA, platform.tf)",
	}[name]
}

// labelList writes labels as k=v, sorted.
func labelList(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = k + "=" + m[k]
	}
	return strings.Join(keys, ", ")
}

// StateBucketPolicy is the state bucket's policy: every request without
// TLS is refused (aws:SecureTransport, Amazon S3 User Guide, "Enforce
// encryption in transit"), so the state, which holds secrets' ARNs and
// endpoints, never travels in clear.
func StateBucketPolicy(bucket string) string {
	type statement struct {
		Sid       string                       `json:"Sid"`
		Effect    string                       `json:"Effect"`
		Principal string                       `json:"Principal"`
		Action    string                       `json:"Action"`
		Resource  []string                     `json:"Resource"`
		Condition map[string]map[string]string `json:"Condition"`
	}
	doc := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{"2012-10-17", []statement{{
		Sid: "DenyRequestsWithoutTLS", Effect: "Deny", Principal: "*", Action: "s3:*",
		Resource:  []string{"arn:aws:s3:::" + bucket, "arn:aws:s3:::" + bucket + "/*"},
		Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}},
	}}}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // fixed types: cannot fail
	}
	return string(b)
}
