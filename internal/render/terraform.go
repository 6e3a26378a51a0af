package render

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/lexecon/lexgen/internal/model"
)

// VariablesPath is where the generated declarations of the module's inputs go.
const VariablesPath = "infrastructure/terraform/variables.tf"

// variable is one input of infrastructure/terraform. The same definition
// declares it in variables.tf and sets it in every <env>.tfvars, so the two
// can never disagree on a name or a type.
type variable struct {
	name        string
	typ         cty.Type
	description string
	value       func(e *model.Environment) cty.Value
}

func str(s string) cty.Value { return cty.StringVal(s) }
func num(n int) cty.Value    { return cty.NumberIntVal(int64(n)) }

func strList(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vs := make([]cty.Value, len(ss))
	for i, s := range ss {
		vs[i] = cty.StringVal(s)
	}
	return cty.ListVal(vs)
}

func subnetIDs(ss []model.Subnet) cty.Value {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return strList(ids)
}

// tags are the model's tags plus the three lexgen always sets.
func tags(e *model.Environment) cty.Value {
	m := map[string]cty.Value{}
	for k, v := range e.Tags {
		m[k] = cty.StringVal(v)
	}
	m["Environment"] = str(e.Name)
	m["Service"] = str(e.Service)
	m["ManagedBy"] = str("lexgen")
	return cty.MapVal(m)
}

// variables lists the module's inputs in the order they appear in both files.
var variables = []variable{
	{"environment", cty.String, "Name of the environment (staging, production, ...).", func(e *model.Environment) cty.Value { return str(e.Name) }},
	{"tier", cty.String, "production or non-production; production-tier resources keep a final snapshot on destroy.", func(e *model.Environment) cty.Value { return str(e.Tier) }},
	{"service", cty.String, "Name of the service, the prefix of every resource name.", func(e *model.Environment) cty.Value { return str(e.Service) }},
	{"aws_account_id", cty.String, "AWS account the environment lives in; the provider refuses any other.", func(e *model.Environment) cty.Value { return str(e.AWS.AccountID) }},
	{"aws_region", cty.String, "AWS region of every resource.", func(e *model.Environment) cty.Value { return str(e.AWS.Region) }},
	{"vpc_id", cty.String, "Existing VPC the cluster and the database run in.", func(e *model.Environment) cty.Value { return str(e.AWS.VPCID) }},
	{"subnet_ids", cty.List(cty.String), "Subnets of the EKS control plane and nodes, in at least two availability zones.", func(e *model.Environment) cty.Value { return subnetIDs(e.AWS.NodeSubnets) }},
	{"db_subnet_ids", cty.List(cty.String), "Subnets of the RDS subnet group, in at least two availability zones.", func(e *model.Environment) cty.Value { return subnetIDs(e.AWS.DatabaseSubnets) }},

	{"cluster_name", cty.String, "Name of the EKS cluster.", func(e *model.Environment) cty.Value { return str(e.ClusterName()) }},
	{"kubernetes_version", cty.String, "EKS Kubernetes minor version.", func(e *model.Environment) cty.Value { return str(e.Cluster.KubernetesVersion) }},
	{"cluster_endpoint_public_access", cty.Bool, "Whether the EKS API is reachable from outside the VPC (it always is from inside).", func(e *model.Environment) cty.Value { return cty.BoolVal(e.Cluster.EndpointPublicAccess) }},
	{"cluster_public_access_cidrs", cty.List(cty.String), "CIDR blocks allowed to reach the public EKS API endpoint.", func(e *model.Environment) cty.Value { return strList(e.Cluster.PublicAccessCIDRs) }},
	{"cluster_log_types", cty.List(cty.String), "EKS control-plane log types sent to CloudWatch.", func(e *model.Environment) cty.Value { return strList(e.Cluster.LogTypes) }},
	{"cluster_log_retention_days", cty.Number, "Days CloudWatch keeps the control-plane logs.", func(e *model.Environment) cty.Value { return num(e.Cluster.LogRetentionDays) }},
	{"cluster_admin_arns", cty.List(cty.String), "IAM roles and users given cluster-admin through EKS access entries.", func(e *model.Environment) cty.Value { return strList(e.Cluster.Admins) }},
	{"node_instance_types", cty.List(cty.String), "EC2 instance types of the managed node group: one on demand; for spot, the ones it may draw from.", nodeInstanceTypes},
	{"node_capacity_type", cty.String, "ON_DEMAND or SPOT.", func(e *model.Environment) cty.Value { return str(e.Cluster.Nodes.CapacityType) }},
	{"node_schedule", scheduleType, "Night-time scale-down of the node group's autoscaling group, or null.", nodeSchedule},
	{"node_desired_size", cty.Number, "Number of nodes the group starts with.", func(e *model.Environment) cty.Value { return num(e.Cluster.Nodes.Desired) }},
	{"node_min_size", cty.Number, "Fewest nodes the group scales down to.", func(e *model.Environment) cty.Value { return num(e.Cluster.Nodes.Min) }},
	{"node_max_size", cty.Number, "Most nodes the group scales up to.", func(e *model.Environment) cty.Value { return num(e.Cluster.Nodes.Max) }},
	{"node_disk_size", cty.Number, "Root volume of each node, in GiB.", func(e *model.Environment) cty.Value { return num(e.Cluster.Nodes.DiskSizeGiB) }},

	{"db_identifier", cty.String, "RDS instance identifier.", func(e *model.Environment) cty.Value { return str(e.DBIdentifier()) }},
	{"db_engine_version", cty.String, "PostgreSQL major version.", func(e *model.Environment) cty.Value { return str(e.Database.EngineVersion) }},
	{"db_instance_class", cty.String, "RDS instance class.", func(e *model.Environment) cty.Value { return str(e.Database.InstanceClass) }},
	{"db_allocated_storage", cty.Number, "gp3 storage of the database, in GiB.", func(e *model.Environment) cty.Value { return num(e.Database.AllocatedStorageGiB) }},
	{"db_multi_az", cty.Bool, "Whether RDS keeps a synchronous standby in another availability zone.", func(e *model.Environment) cty.Value { return cty.BoolVal(e.Database.MultiAZ) }},
	{"db_backup_retention_period", cty.Number, "Days automated backups are kept (1-35).", func(e *model.Environment) cty.Value { return num(e.Database.BackupRetentionDays) }},
	{"db_backup_window", cty.String, "Daily backup window, UTC.", func(e *model.Environment) cty.Value { return str(e.Database.BackupWindow) }},
	{"db_maintenance_window", cty.String, "Weekly maintenance window, UTC.", func(e *model.Environment) cty.Value { return str(e.Database.MaintenanceWindow) }},
	{"db_deletion_protection", cty.Bool, "Whether RDS refuses to delete the database.", func(e *model.Environment) cty.Value { return cty.BoolVal(e.Database.DeletionProtection) }},
	{"db_max_allocated_storage", cty.Number, "Storage autoscaling up to this many GiB; 0 turns it off.", func(e *model.Environment) cty.Value { return num(e.Database.MaxAllocatedStorageGiB) }},
	{"db_final_snapshot_identifier", cty.String, "Name of the snapshot kept when the database is destroyed, or null for none.", func(e *model.Environment) cty.Value {
		if !e.Database.FinalSnapshot {
			return cty.NullVal(cty.String)
		}
		return str(e.FinalSnapshotID())
	}},
	{"db_copy_tags_to_snapshot", cty.Bool, "Whether snapshots carry the database's tags.", func(e *model.Environment) cty.Value { return cty.BoolVal(e.Database.CopyTagsToSnapshot) }},
	{"db_backup_replication", replicationType, "Cross-region replication of the automated backups, or null.", backupReplication},
	{"db_snapshot_identifier", cty.String, "Snapshot to create the database from, or null for an empty one.", func(e *model.Environment) cty.Value {
		if e.Database.RestoreFromSnapshot == "" {
			return cty.NullVal(cty.String)
		}
		return str(e.Database.RestoreFromSnapshot)
	}},
	{"db_monitoring_interval", cty.Number, "Seconds between Enhanced Monitoring samples; 0 turns it off.", func(e *model.Environment) cty.Value { return num(e.Database.MonitoringIntervalSeconds) }},
	{"db_log_retention_days", cty.Number, "Days CloudWatch keeps the PostgreSQL and upgrade logs.", func(e *model.Environment) cty.Value { return num(e.Database.LogRetentionDays) }},
	{"db_name", cty.String, "Name of the application database.", func(e *model.Environment) cty.Value { return str(e.Database.DatabaseName) }},
	{"db_username", cty.String, "Master user name; RDS creates and rotates its password in Secrets Manager.", func(e *model.Environment) cty.Value { return str(e.Database.Username) }},
	{"db_port", cty.Number, "Port PostgreSQL listens on.", func(e *model.Environment) cty.Value { return num(e.Database.Port) }},

	{"app_secret_name", cty.String, "Secrets Manager secret holding the application's API keys (values are put there by operators).", func(e *model.Environment) cty.Value { return str(e.AppSecretID()) }},
	{"app_secret_keys", cty.List(cty.String), "Keys of the application secret.", func(e *model.Environment) cty.Value { return strList(e.Secrets.APIKeys) }},
	{"database_secret_name", cty.String, "Secrets Manager secret holding the database connection details.", func(e *model.Environment) cty.Value { return str(e.DatabaseSecretID()) }},
	{"k8s_namespace", cty.String, "Kubernetes namespace of the application.", func(e *model.Environment) cty.Value { return str(e.Namespace()) }},
	{"external_secrets_service_account", cty.String, "Service account of External Secrets in that namespace, the only principal the role trusts.", func(e *model.Environment) cty.Value { return str(e.ExternalSecretsServiceAccount()) }},
	{"external_secrets_role_name", cty.String, "IAM role External Secrets assumes to read this environment's secrets.", func(e *model.Environment) cty.Value { return str(e.ExternalSecretsRoleName()) }},
	{"eks_addon_versions", cty.Map(cty.String), "EKS managed add-ons (vpc-cni, coredns, kube-proxy, eks-pod-identity-agent, metrics-server) and the version of each.", addonVersions},
	{"vpc_cni_network_policy", cty.Bool, "Whether the VPC CNI's network policy agent enforces NetworkPolicies (enableNetworkPolicy).", func(e *model.Environment) cty.Value { return cty.BoolVal(e.Platform.Addons.VPCCNI.NetworkPolicy) }},
	{"cluster_autoscaler_role_name", cty.String, "IAM role the Cluster Autoscaler assumes through the cluster's OIDC provider.", func(e *model.Environment) cty.Value { return str(e.ClusterAutoscalerRoleName()) }},
	{"cluster_autoscaler_service_account", cty.String, "Namespace and name (namespace:name) of the Cluster Autoscaler's service account, the only principal its role trusts.", func(e *model.Environment) cty.Value {
		return str(model.ClusterAutoscalerNamespace + ":" + model.ClusterAutoscalerServiceAccount)
	}},
	{"tags", cty.Map(cty.String), "Tags on every resource.", tags},
}

var (
	scheduleType = cty.Object(map[string]cty.Type{
		"time_zone": cty.String, "down_recurrence": cty.String, "up_recurrence": cty.String, "night_size": cty.Number,
	})
	replicationType = cty.Object(map[string]cty.Type{"region": cty.String, "retention_days": cty.Number})
)

// addonVersions maps each EKS add-on's name to the model's pinned version.
func addonVersions(e *model.Environment) cty.Value {
	a := e.Platform.Addons
	return cty.MapVal(map[string]cty.Value{
		"vpc-cni":                str(a.VPCCNI.Version),
		"coredns":                str(a.CoreDNS),
		"kube-proxy":             str(a.KubeProxy),
		"eks-pod-identity-agent": str(a.PodIdentityAgent),
		"metrics-server":         str(a.MetricsServer),
	})
}

func nodeInstanceTypes(e *model.Environment) cty.Value {
	types := []string{e.Cluster.Nodes.InstanceType}
	if e.Cluster.Nodes.CapacityType == "SPOT" {
		for _, t := range e.Cluster.Nodes.SpotInstanceTypes {
			if t != e.Cluster.Nodes.InstanceType {
				types = append(types, t)
			}
		}
	}
	return strList(types)
}

// nodeSchedule turns the model's clock times into the cron recurrences
// that EC2 Auto Scaling scheduled actions take.
func nodeSchedule(e *model.Environment) cty.Value {
	s := e.Cluster.Nodes.Schedule
	if s == nil {
		return cty.NullVal(scheduleType)
	}
	cron := func(clock string) string { // "07:30" -> "30 7 * * MON-FRI"
		h, _ := strconv.Atoi(clock[:2])
		m, _ := strconv.Atoi(clock[3:])
		return fmt.Sprintf("%d %d * * %s", m, h, s.Days)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"time_zone":       str(s.TimeZone),
		"down_recurrence": str(cron(s.DownAt)),
		"up_recurrence":   str(cron(s.UpAt)),
		"night_size":      num(s.NightSize),
	})
}

func backupReplication(e *model.Environment) cty.Value {
	r := e.Database.BackupReplication
	if r == nil {
		return cty.NullVal(replicationType)
	}
	return cty.ObjectVal(map[string]cty.Value{"region": str(r.Region), "retention_days": num(r.RetentionDays)})
}

func terraformFiles(e *model.Environment) ([]File, error) {
	return []File{
		{Path: "terraform/" + e.Name + ".tfvars", Data: Tfvars(e)},
		{Path: "terraform/backend.hcl", Data: Backend(e)},
	}, nil
}

// Tfvars sets every variable of the module for one environment.
func Tfvars(e *model.Environment) []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for _, v := range variables {
		body.SetAttributeValue(v.name, v.value(e))
	}
	return append([]byte(header("#", e.Source)+"\n"), hclwrite.Format(f.Bytes())...)
}

// Backend completes the module's empty backend "s3" block for one
// environment: `terraform init -backend-config=backend.hcl`.
func Backend(e *model.Environment) []byte {
	s := e.Delivery.TerraformState
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	body.SetAttributeValue("bucket", str(s.Bucket))
	body.SetAttributeValue("key", str(e.StateKey()))
	body.SetAttributeValue("region", str(s.Region))
	body.SetAttributeValue("dynamodb_table", str(s.LockTable))
	body.SetAttributeValue("encrypt", cty.True)
	return append([]byte(header("#", e.Source)+"\n"), hclwrite.Format(f.Bytes())...)
}

// VariablesTF declares every variable of the module, typed and described.
func VariablesTF() ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for i, v := range variables {
		if i > 0 {
			body.AppendNewline()
		}
		b := body.AppendNewBlock("variable", []string{v.name}).Body()
		b.SetAttributeRaw("type", typeTokens(v.typ))
		b.SetAttributeValue("description", str(v.description))
	}
	head := "# Generated by lexgen from internal/render/terraform.go. DO NOT EDIT: every variable is set by out/<env>/terraform/<env>.tfvars.\n\n"
	return append([]byte(head), hclwrite.Format(f.Bytes())...), nil
}

// typeTokens writes a cty type as a Terraform type constraint expression.
func typeTokens(t cty.Type) hclwrite.Tokens {
	switch {
	case t == cty.String:
		return hclwrite.TokensForIdentifier("string")
	case t == cty.Number:
		return hclwrite.TokensForIdentifier("number")
	case t == cty.Bool:
		return hclwrite.TokensForIdentifier("bool")
	case t.IsListType():
		return hclwrite.TokensForFunctionCall("list", typeTokens(t.ElementType()))
	case t.IsMapType():
		return hclwrite.TokensForFunctionCall("map", typeTokens(t.ElementType()))
	case t.IsObjectType():
		names := make([]string, 0, len(t.AttributeTypes()))
		for n := range t.AttributeTypes() {
			names = append(names, n)
		}
		sort.Strings(names)
		attrs := make([]hclwrite.ObjectAttrTokens, len(names))
		for i, n := range names {
			attrs[i] = hclwrite.ObjectAttrTokens{Name: hclwrite.TokensForIdentifier(n), Value: typeTokens(t.AttributeType(n))}
		}
		return hclwrite.TokensForFunctionCall("object", hclwrite.TokensForObject(attrs))
	}
	panic("render: no Terraform type expression for " + t.FriendlyName())
}
