package check

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	// The tz database Go embeds, so that a time zone is known on a machine
	// without /usr/share/zoneinfo too (LoadLocation prefers the system's
	// copy where there is one).
	_ "time/tzdata"

	"github.com/lexecon/lexgen/internal/model"
)

// Counts AWS (or lexgen) allows in the lists and maps of an environment.
//
// They are checked here rather than in the schema because CUE (v0.17)
// cannot say it well: a "list.MaxItems(n) | error(...)" constraint on a
// list with a default also reports its message when one element of a short
// list is wrong, and a comprehension over the length of such a list never
// fires. A check here runs on a model the schema has accepted, so its
// message is the only one.
const (
	// "Public endpoint access CIDR ranges per cluster": 40, not adjustable
	// (Amazon EKS service quotas,
	// https://docs.aws.amazon.com/eks/latest/userguide/service-quotas.html).
	maxPublicAccessCIDRs = 40
	// Each admin is an EKS access entry. EKS documents no small quota for
	// them; cluster-admin belongs to a few roles (a team's, the
	// pipeline's) that people assume, not to every person.
	maxAdmins = 20
	// "Subnets per DB subnet group": 20, not adjustable (Quotas and
	// constraints for Amazon RDS,
	// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html).
	// EKS documents none for a cluster's subnets; lexgen holds them to the
	// same bound.
	maxSubnets = 20
	// AWS allows 50 user tags a resource (EKS, RDS, IAM, KMS, Secrets
	// Manager, EC2: "Tags per resource"). lexgen adds Environment, Service
	// and ManagedBy to every resource (provider default_tags,
	// internal/render/terraform.go) and Name to the security groups
	// (infrastructure/terraform/eks.tf, rds.tf): 4 of the 50.
	maxTags = 50 - 4
	// app.env becomes one ConfigMap, which Kubernetes caps at 1 MiB. A
	// value may hold maxEnvValue characters of up to 4 bytes each: 50
	// such entries stay below the cap whatever they hold.
	maxEnv = 50
	// An app.env value is checked here rather than in the schema, where
	// a value that is only too long would be reported with the message
	// of the control-character rule beside it (#Printable).
	maxEnvValue = 4096
	// Each API key is a property of one Secrets Manager secret (at most
	// 65,536 bytes) and an environment variable of every pod: 50 names of
	// up to 64 characters leave over a kilobyte for each value.
	maxAPIKeys = 50
)

// Name limits of the AWS resources lexgen names from the service and the
// environment (internal/model/names.go and the module's own suffixes).
const (
	// DBInstanceIdentifier: 1 to 63 letters, digits or hyphens, starting
	// with a letter, no two hyphens in a row, not ending with one
	// (CreateDBInstance, Amazon RDS API reference).
	maxDBIdentifier = 63
	// IAM role names: at most 64 characters (CreateRole, IAM API
	// reference).
	maxIAMRoleName = 64
	// Managed node group names: at most 63 characters (CreateNodegroup,
	// Amazon EKS API reference).
	maxNodeGroupName = 63
	// The module names the node group <cluster>-nodes-<8 hex digits of a
	// digest> (infrastructure/terraform/eks.tf).
	nodeGroupSuffix = len("-nodes-") + 8
)

// iamRoleSuffixes are the IAM roles infrastructure/terraform creates, as
// suffixes of the name they are built from (check_test.go reads the
// module to keep this list true).
var iamRoleSuffixes = []struct{ base, suffix string }{
	{"cluster_name", "-cluster"},
	{"cluster_name", "-nodes"},
	{"db_identifier", "-rds-monitoring"},
	{"db_identifier", "-backup"},
}

// values checks that what the environment says is what AWS and
// Kubernetes accept: list sizes, CIDR blocks, the night schedule's time
// zone, the RDS windows, and the AWS names lexgen builds.
func values(e *model.Environment, on func(uses ...string) adder) {
	add := on()
	counts := []struct {
		path   string
		n, max int
		format string // of n and max
	}{
		{"cluster.publicAccessCidrs", len(e.Cluster.PublicAccessCIDRs), maxPublicAccessCIDRs, "%d public access CIDR blocks, more than the %d EKS accepts for a cluster (a fixed quota): merge adjacent blocks"},
		{"cluster.admins", len(e.Cluster.Admins), maxAdmins, "%d cluster admins, more than lexgen's %d: give cluster-admin to a few IAM roles that people and pipelines assume, not to each person"},
		{"aws.nodeSubnets", len(e.AWS.NodeSubnets), maxSubnets, "%d node subnets, more than lexgen's %d: one or two in each zone is all EKS needs"},
		{"aws.databaseSubnets", len(e.AWS.DatabaseSubnets), maxSubnets, "%d database subnets, more than the %d an RDS DB subnet group holds (a fixed quota)"},
		{"tags", len(e.Tags), maxTags, "%d tags, more than %d: AWS allows 50 tags a resource, and lexgen adds Environment, Service, ManagedBy and (on security groups) Name"},
		{"app.env", len(e.App.Env), maxEnv, "%d app.env entries, more than lexgen's %d: they all go into one ConfigMap, which Kubernetes caps at 1 MiB"},
		{"secrets.apiKeys", len(e.Secrets.APIKeys), maxAPIKeys, "%d API keys, more than lexgen's %d: they share one Secrets Manager secret of at most 64 KiB and each is an environment variable of every pod"},
	}
	for _, c := range counts {
		if c.n > c.max {
			add(c.path, false, c.format, c.n, c.max)
		}
	}

	for _, k := range sortedKeys(e.App.Env) {
		if n := utf8.RuneCountInString(e.App.Env[k]); n > maxEnvValue {
			add("app.env."+label(k), false, "the value is %d characters long; an app.env value holds at most %d (they all go into one ConfigMap, which Kubernetes caps at 1 MiB)", n, maxEnvValue)
		}
	}

	for i, c := range e.Cluster.PublicAccessCIDRs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			continue // the schema reports it
		}
		// The AWS provider refuses a block with bits set past its prefix
		// (aws_eks_cluster vpc_config.public_access_cidrs is validated by
		// verify.ValidCIDRNetworkAddress), and a reader cannot tell
		// whether 203.0.113.5/24 meant the /24 or the one address.
		if m := p.Masked(); m != p {
			add(fmt.Sprintf("cluster.publicAccessCidrs.%d", i), false,
				"%s has bits set past its /%d prefix: write the block as %s (or %s/32 for the one address)", c, p.Bits(), m, p.Addr())
		}
	}

	add = on()
	if s := e.Cluster.Nodes.Schedule; s != nil {
		if msg := timeZone(s.TimeZone); msg != "" {
			add("cluster.nodes.schedule.timeZone", false, "%s", msg)
		}
	}

	add = on("database.backupWindow", "database.maintenanceWindow")
	d := e.Database
	backup, backupErr := dailyWindow(d.BackupWindow)
	maint, maintErr := weeklyWindow(d.MaintenanceWindow)
	// RDS: each window "must be at least 30 minutes" and "must not
	// conflict with" the other (CreateDBInstance, PreferredBackupWindow and
	// PreferredMaintenanceWindow, Amazon RDS API reference).
	if backupErr == nil && backup.length < 30 {
		add("database.backupWindow", false, "the backup window %s lasts %d minutes; RDS needs at least 30", d.BackupWindow, backup.length)
	}
	if maintErr == nil && maint.length < 30 {
		add("database.maintenanceWindow", false, "the maintenance window %s lasts %d minutes; RDS needs at least 30", d.MaintenanceWindow, maint.length)
	}
	if backupErr == nil && maintErr == nil && backup.length > 0 && maint.length > 0 && overlap(backup, maint) {
		add("database.backupWindow", false, "the daily backup window %s overlaps the maintenance window %s (UTC); RDS refuses windows that overlap: move one of them", d.BackupWindow, d.MaintenanceWindow)
	}

	awsNames(e, on("name"))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// label is a map key as it appears in a value path (quoted when it is not
// an identifier, as CUE prints it).
func label(k string) string {
	for i, r := range k {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return strconv.Quote(k)
		}
	}
	return k
}

// timeZone says what is wrong with an IANA time zone name, or "".
func timeZone(name string) string {
	// LoadLocation reads "Local" as the zone of the machine running
	// lexgen and "" as UTC; neither is a zone AWS knows.
	if name == "Local" || name == "" {
		return fmt.Sprintf("%q is not an IANA time zone: name one, such as UTC or Europe/Berlin", name)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return fmt.Sprintf("%q is not in the tz database: use an IANA time zone name such as UTC, Europe/Berlin or America/New_York (spelt as in the database, upper and lower case too)", name)
	}
	return ""
}

// window is a span of minutes from the start of a week (Monday 00:00 UTC);
// a daily window starts on Monday and repeats every day.
type window struct {
	start, length int
	daily         bool
}

const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
)

var weekdays = map[string]int{"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

// clock reads hh:mm as minutes since midnight.
func clock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok {
		return 0, fmt.Errorf("%q is not hh:mm", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not hh:mm", s)
	}
	return hh*60 + mm, nil
}

// dailyWindow reads RDS's "hh:mm-hh:mm"; a window may run past midnight.
func dailyWindow(s string) (window, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return window{}, fmt.Errorf("%q is not hh:mm-hh:mm", s)
	}
	a, err := clock(from)
	if err != nil {
		return window{}, err
	}
	b, err := clock(to)
	if err != nil {
		return window{}, err
	}
	return window{start: a, length: (b - a + minutesPerDay) % minutesPerDay, daily: true}, nil
}

// weeklyWindow reads RDS's "ddd:hh:mm-ddd:hh:mm"; a window may run past
// Sunday midnight.
func weeklyWindow(s string) (window, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return window{}, fmt.Errorf("%q is not ddd:hh:mm-ddd:hh:mm", s)
	}
	at := func(s string) (int, error) {
		day, hm, ok := strings.Cut(s, ":")
		d, known := weekdays[day]
		if !ok || !known {
			return 0, fmt.Errorf("%q is not ddd:hh:mm", s)
		}
		m, err := clock(hm)
		return d*minutesPerDay + m, err
	}
	a, err := at(from)
	if err != nil {
		return window{}, err
	}
	b, err := at(to)
	if err != nil {
		return window{}, err
	}
	return window{start: a, length: (b - a + minutesPerWeek) % minutesPerWeek}, nil
}

// overlap reports whether a daily window and a weekly one share a minute.
// Both are half-open, so a window that ends when the other starts does
// not overlap it. The weekly window starts within the week and lasts less
// than one, so it ends within two; the daily one is laid out over those two
// weeks and the day before (a backup at 23:30-00:30 reaches Monday 00:00).
func overlap(daily, weekly window) bool {
	for day := -1; day < 14; day++ {
		ds := daily.start + day*minutesPerDay
		if ds < weekly.start+weekly.length && weekly.start < ds+daily.length {
			return true
		}
	}
	return false
}

// awsNames checks the AWS names lexgen builds from service and the
// environment's name against AWS's rules. The schema bounds each part
// (service a DNS label of at most 63 characters, the name at most 24), so
// the EKS cluster name (at most 100 characters, letters, digits, - and _)
// always fits, and the RDS identifier never ends with a hyphen (it ends
// with the name, which does not); the other rules may fail.
func awsNames(e *model.Environment, add adder) {
	id := e.DBIdentifier()
	switch {
	case id == "" || id[0] < 'a' || id[0] > 'z':
		add("service", false, "the RDS instance identifier %s must start with a letter (and the Kubernetes Service of the same name too): start service with a letter", id)
	case strings.Contains(id, "--"):
		add("service", false, "the RDS instance identifier %s must not hold two hyphens in a row: remove the double hyphen from service or the environment's name", id)
	}

	type limited struct {
		what, name string
		max        int
		shown      string // the name as the message shows it, when not name
	}
	var names []limited
	bases := map[string]string{"cluster_name": e.ClusterName(), "db_identifier": e.DBIdentifier()}
	for _, r := range iamRoleSuffixes {
		names = append(names, limited{"IAM role", bases[r.base] + r.suffix, maxIAMRoleName, ""})
	}
	names = append(names,
		limited{"IAM role", e.ExternalSecretsRoleName(), maxIAMRoleName, ""},
		limited{"IAM role", e.ClusterAutoscalerRoleName(), maxIAMRoleName, ""},
		limited{"EKS node group", e.ClusterName() + strings.Repeat("x", nodeGroupSuffix), maxNodeGroupName, e.ClusterName() + "-nodes-<8-digit digest>"},
		limited{"RDS instance identifier", id, maxDBIdentifier, ""},
	)
	sort.SliceStable(names, func(i, j int) bool { return len(names[i].name)-names[i].max > len(names[j].name)-names[j].max })
	var long []string
	for _, n := range names {
		if len(n.name) > n.max {
			shown := n.name
			if n.shown != "" {
				shown = n.shown
			}
			long = append(long, fmt.Sprintf("the %s %s has %d characters, AWS allows %d", n.what, shown, len(n.name), n.max))
		}
	}
	if len(long) > 0 {
		add("service", false, "AWS names built from service %q and the environment's name %q are too long: %s; shorten service or the name (together at most %d characters)",
			e.Service, e.Name, strings.Join(long, "; "), maxAppName())
	}
}

// maxAppName is the longest "<service>-<name>" whose every derived name
// fits.
func maxAppName() int {
	longest := len("-external-secrets") // model.ExternalSecretsRoleName
	for _, r := range iamRoleSuffixes {
		longest = max(longest, len(r.suffix))
	}
	return min(maxIAMRoleName-longest, maxNodeGroupName-nodeGroupSuffix, maxDBIdentifier)
}

// Across checks what must hold between environments: the AWS names lexgen
// builds ("<service>-<name>": the EKS cluster, the RDS instance, the IAM
// roles) must differ between environments of one AWS account. IAM role
// names are unique in an account, EKS cluster and RDS instance names in a
// region of it; two environments that share a name would fight over one
// resource. It returns the findings of each environment by name.
func Across(envs []*model.Environment) map[string][]Finding {
	type key struct{ account, name string }
	byName := map[key][]*model.Environment{}
	for _, e := range envs {
		k := key{e.AWS.AccountID, e.AppName()}
		byName[k] = append(byName[k], e)
	}
	out := map[string][]Finding{}
	for k, same := range byName {
		if len(same) < 2 {
			continue
		}
		for _, e := range same {
			var others []string
			for _, o := range same {
				if o != e {
					others = append(others, fmt.Sprintf("%q (%s)", o.Name, o.Source))
				}
			}
			sort.Strings(others)
			out[e.Name] = append(out[e.Name], Finding{
				Path: e.Name + ".service",
				Uses: []string{e.Name + ".service", e.Name + ".aws.accountId"},
				Message: fmt.Sprintf("service %q and the environment's name make the AWS names %s, which environment %s also makes in account %s (IAM role names are unique in an account, EKS cluster and RDS names in its regions): change service so that they differ",
					e.Service, k.name, strings.Join(others, " and "), k.account),
			})
		}
	}
	return out
}
