package render

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

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
	// path is the model field the variable carries unchanged, if it is one
	// (field); the other rows compute their value.
	path string
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

// field is a variable that is one field of the model, named by its path in
// the schema (cluster.nodes.desired): its type and value follow from the
// field's Go type, so a row cannot read one field and declare another's
// type. An optional field the environment leaves out is null.
func field(name, path, description string) variable {
	index, typ, optional := modelField(path)
	return variable{name: name, typ: typ, description: description, path: path, value: func(e *model.Environment) cty.Value {
		f := reflect.ValueOf(e).Elem().FieldByIndex(index)
		if optional && f.IsZero() {
			return cty.NullVal(typ)
		}
		switch typ {
		case cty.String:
			return str(f.String())
		case cty.Number:
			return cty.NumberIntVal(f.Int())
		case cty.Bool:
			return cty.BoolVal(f.Bool())
		}
		return strList(f.Interface().([]string))
	}}
}

// modelField finds the field at a schema path in model.Environment by its
// JSON names; a path that names no field, or a field of a type Terraform
// gets no other way, stops the program at start-up (every test catches it).
func modelField(path string) (index []int, typ cty.Type, optional bool) {
	t := reflect.TypeFor[model.Environment]()
	for _, name := range strings.Split(path, ".") {
		f, ok := fieldByJSONName(t, name)
		if !ok {
			panic(fmt.Sprintf("render: the model has no field %s (in %s)", name, path))
		}
		index = append(index, f.Index...)
		_, optional = strings.CutSuffix(f.Tag.Get("json"), ",omitempty")
		t = f.Type
	}
	switch {
	case t.Kind() == reflect.String:
		return index, cty.String, optional
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return index, cty.Number, optional
	case t.Kind() == reflect.Bool:
		return index, cty.Bool, optional
	case t == reflect.TypeFor[[]string]():
		return index, cty.List(cty.String), optional
	}
	panic(fmt.Sprintf("render: %s is a %s, which a one-field variable cannot carry: write the row by hand", path, t))
}

func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// computed is a variable whose value the renderer computes from the model
// (a name, a list of IDs, an object).
func computed(name string, typ cty.Type, description string, value func(e *model.Environment) cty.Value) variable {
	return variable{name: name, typ: typ, description: description, value: value}
}

// variables lists the module's inputs in the order they appear in both files.
var variables = []variable{
	field("environment", "name", "Name of the environment (staging, production, ...)."),
	field("tier", "tier", "production or non-production; production-tier resources keep a final snapshot on destroy."),
	field("service", "service", "Name of the service, the prefix of every resource name."),
	field("aws_account_id", "aws.accountId", "AWS account the environment lives in; the provider refuses any other."),
	field("aws_region", "aws.region", "AWS region of every resource."),
	field("vpc_id", "aws.vpcId", "Existing VPC the cluster and the database run in."),
	computed("subnet_ids", cty.List(cty.String), "Subnets of the EKS control plane and nodes, in at least two availability zones.", func(e *model.Environment) cty.Value { return subnetIDs(e.AWS.NodeSubnets) }),
	computed("db_subnet_ids", cty.List(cty.String), "Subnets of the RDS subnet group, in at least two availability zones.", func(e *model.Environment) cty.Value { return subnetIDs(e.AWS.DatabaseSubnets) }),

	computed("cluster_name", cty.String, "Name of the EKS cluster.", func(e *model.Environment) cty.Value { return str(e.ClusterName()) }),
	field("kubernetes_version", "cluster.kubernetesVersion", "EKS Kubernetes minor version."),
	field("cluster_endpoint_public_access", "cluster.endpointPublicAccess", "Whether the EKS API is reachable from outside the VPC (it always is from inside)."),
	field("cluster_public_access_cidrs", "cluster.publicAccessCidrs", "CIDR blocks allowed to reach the public EKS API endpoint."),
	field("cluster_log_types", "cluster.logTypes", "EKS control-plane log types sent to CloudWatch."),
	field("cluster_log_retention_days", "cluster.logRetentionDays", "Days CloudWatch keeps the control-plane logs."),
	field("cluster_admin_arns", "cluster.admins", "IAM roles and users given cluster-admin through EKS access entries."),
	computed("node_instance_types", cty.List(cty.String), "EC2 instance types of the managed node group: one on demand; for spot, the ones it may draw from.", nodeInstanceTypes),
	field("node_capacity_type", "cluster.nodes.capacityType", "ON_DEMAND or SPOT."),
	computed("node_schedule", scheduleType, "Night-time scale-down of the node group's autoscaling group, or null.", nodeSchedule),
	field("node_desired_size", "cluster.nodes.desired", "Number of nodes the group starts with."),
	field("node_min_size", "cluster.nodes.min", "Fewest nodes the group scales down to."),
	field("node_max_size", "cluster.nodes.max", "Most nodes the group scales up to."),
	field("node_disk_size", "cluster.nodes.diskSizeGiB", "Root volume of each node, in GiB."),

	computed("db_identifier", cty.String, "RDS instance identifier.", func(e *model.Environment) cty.Value { return str(e.DBIdentifier()) }),
	field("db_engine_version", "database.engineVersion", "PostgreSQL major version."),
	field("db_instance_class", "database.instanceClass", "RDS instance class."),
	field("db_allocated_storage", "database.allocatedStorageGiB", "gp3 storage of the database, in GiB."),
	field("db_multi_az", "database.multiAZ", "Whether RDS keeps a synchronous standby in another availability zone."),
	field("db_backup_retention_period", "database.backupRetentionDays", "Days automated backups are kept (1-35)."),
	field("db_backup_window", "database.backupWindow", "Daily backup window, UTC."),
	field("db_maintenance_window", "database.maintenanceWindow", "Weekly maintenance window, UTC."),
	field("db_deletion_protection", "database.deletionProtection", "Whether RDS refuses to delete the database."),
	field("db_max_allocated_storage", "database.maxAllocatedStorageGiB", "Storage autoscaling up to this many GiB; 0 turns it off."),
	computed("db_final_snapshot_identifier", cty.String, "Name of the snapshot kept when the database is destroyed, or null for none.", func(e *model.Environment) cty.Value {
		if !e.Database.FinalSnapshot {
			return cty.NullVal(cty.String)
		}
		return str(e.FinalSnapshotID())
	}),
	field("db_copy_tags_to_snapshot", "database.copyTagsToSnapshot", "Whether snapshots carry the database's tags."),
	computed("db_backup_replication", replicationType, "Cross-region replication of the automated backups, or null.", backupReplication),
	computed("db_backup_plan", backupPlanType, "AWS Backup plan of the database (schedule, lifecycle, copy to another region), or null.", backupPlan),
	field("db_snapshot_identifier", "database.restoreFromSnapshot", "Snapshot to create the database from, or null for an empty one."),
	field("db_monitoring_interval", "database.monitoringIntervalSeconds", "Seconds between Enhanced Monitoring samples; 0 turns it off."),
	field("db_performance_insights", "database.performanceInsights", "Whether Performance Insights keeps 7 days (the free retention) of database load."),
	field("db_log_retention_days", "database.logRetentionDays", "Days CloudWatch keeps the PostgreSQL and upgrade logs."),
	field("db_name", "database.databaseName", "Name of the application database."),
	field("db_username", "database.username", "Master user name; RDS creates and rotates its password in Secrets Manager."),
	field("db_port", "database.port", "Port PostgreSQL listens on."),

	computed("app_secret_name", cty.String, "Secrets Manager secret holding the application's API keys (values are put there by operators).", func(e *model.Environment) cty.Value { return str(e.AppSecretID()) }),
	field("app_secret_keys", "secrets.apiKeys", "Keys of the application secret."),
	computed("database_secret_name", cty.String, "Secrets Manager secret holding the database connection details.", func(e *model.Environment) cty.Value { return str(e.DatabaseSecretID()) }),
	computed("k8s_namespace", cty.String, "Kubernetes namespace of the application.", func(e *model.Environment) cty.Value { return str(e.Namespace()) }),
	computed("external_secrets_service_account", cty.String, "Service account of External Secrets in that namespace, the only principal the role trusts.", func(e *model.Environment) cty.Value { return str(e.ExternalSecretsServiceAccount()) }),
	computed("external_secrets_role_name", cty.String, "IAM role External Secrets assumes to read this environment's secrets.", func(e *model.Environment) cty.Value { return str(e.ExternalSecretsRoleName()) }),
	computed("eks_addon_versions", cty.Map(cty.String), "EKS managed add-ons (vpc-cni, coredns, kube-proxy, eks-pod-identity-agent, metrics-server) and the version of each.", addonVersions),
	field("vpc_cni_network_policy", "platform.addons.vpcCni.networkPolicy", "Whether the VPC CNI's network policy agent enforces NetworkPolicies (enableNetworkPolicy)."),
	computed("cluster_autoscaler_role_name", cty.String, "IAM role the Cluster Autoscaler assumes through the cluster's OIDC provider.", func(e *model.Environment) cty.Value { return str(e.ClusterAutoscalerRoleName()) }),
	computed("cluster_autoscaler_service_account", cty.String, "Namespace and name (namespace:name) of the Cluster Autoscaler's service account, the only principal its role trusts.", func(e *model.Environment) cty.Value {
		return str(model.ClusterAutoscalerNamespace + ":" + model.ClusterAutoscalerServiceAccount)
	}),
	computed("tags", cty.Map(cty.String), "Tags on every resource.", tags),
}

var (
	scheduleType = cty.Object(map[string]cty.Type{
		"time_zone": cty.String, "down_recurrence": cty.String, "up_recurrence": cty.String, "night_size": cty.Number,
	})
	replicationType = cty.Object(map[string]cty.Type{"region": cty.String, "retention_days": cty.Number})
	backupPlanType  = cty.Object(map[string]cty.Type{
		"schedule": cty.String, "delete_after_days": cty.Number, "cold_storage_after_days": cty.Number, "copy_region": cty.String,
	})
)

// backupPlan is the AWS Backup plan: cold_storage_after_days and
// copy_region are null when the model has none.
func backupPlan(e *model.Environment) cty.Value {
	b := e.Database.BackupPlan
	if b == nil {
		return cty.NullVal(backupPlanType)
	}
	cold, copyRegion := cty.NullVal(cty.Number), cty.NullVal(cty.String)
	if b.ColdStorageAfterDays > 0 {
		cold = num(b.ColdStorageAfterDays)
	}
	if b.CopyRegion != "" {
		copyRegion = str(b.CopyRegion)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"schedule": str(b.Schedule), "delete_after_days": num(b.DeleteAfterDays), "cold_storage_after_days": cold, "copy_region": copyRegion,
	})
}

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
	body.SetAttributeValue("use_lockfile", cty.True)
	if s.LockTable != "" {
		body.SetAttributeValue("dynamodb_table", str(s.LockTable))
	}
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
