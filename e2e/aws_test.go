//go:build e2e

package e2e

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAWS answers the two AWS APIs External Secrets calls, STS
// (AssumeRoleWithWebIdentity) and Secrets Manager, on 127.0.0.1. It knows
// the IAM roles as Terraform plans them (trust and inline policies), lets a
// service-account token assume a role only when the role's trust policy
// admits it, answers every Secrets Manager request only as far as the
// assumed role's policy allows, and records every decision.
type fakeAWS struct {
	account, region string
	// oidcProviderARN is the IAM OIDC provider the trust policies name; its
	// URL (the part after "oidc-provider/") is the token issuer's host.
	oidcProviderARN string
	tokenKey        *rsa.PublicKey

	mu       sync.Mutex
	roles    map[string]*iamRole // by ARN
	sessions map[string]string   // access key id -> role ARN
	secrets  []*fakeSecret
	calls    []awsCall
	srv      *httptest.Server
}

type iamRole struct {
	ARN    string
	Trust  []iamStatement
	Policy []iamStatement
}

// iamStatement is one statement of an IAM policy document; Effect is
// "Allow" unless it says "Deny".
type iamStatement struct {
	Effect     string
	Actions    []string
	Resources  []string
	Principals []iamPrincipal
	Conditions []iamCondition
}

type iamPrincipal struct {
	Type        string
	Identifiers []string
}

type iamCondition struct {
	Test, Variable string
	Values         []string
}

type fakeSecret struct {
	ARN, Name, KMSKey string
	Tags              map[string]string
	Value             string
	Version           int
}

// awsCall is one authorization decision: who asked for what on which
// resource, and whether the policy allowed it.
type awsCall struct {
	Principal, Action, Resource string
	Allowed                     bool
	Why                         string
}

func (c awsCall) String() string {
	verdict := "allowed"
	if !c.Allowed {
		verdict = "DENIED"
	}
	s := fmt.Sprintf("%s %s on %s by %s", verdict, c.Action, c.Resource, c.Principal)
	if c.Why != "" {
		s += " (" + c.Why + ")"
	}
	return s
}

func newFakeAWS(t *testing.T, account, region, oidcProviderARN string, tokenKeyPEM []byte) *fakeAWS {
	t.Helper()
	block, _ := pem.Decode(tokenKeyPEM)
	if block == nil {
		t.Fatal("the service account public key is not PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeAWS{
		account: account, region: region, oidcProviderARN: oidcProviderARN, tokenKey: pub.(*rsa.PublicKey),
		roles: map[string]*iamRole{}, sessions: map[string]string{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAWS) URL() string { return f.srv.URL }

func (f *fakeAWS) Calls() []awsCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// setSecretValue writes a new version of a secret, as a rotation does.
func (f *fakeAWS) setSecretValue(name, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.secrets {
		if s.Name == name {
			s.Value = value
			s.Version++
			return
		}
	}
	panic("no secret " + name)
}

// record notes a decision; the caller holds f.mu.
func (f *fakeAWS) record(principal, action, resource string, allowed bool, why string) bool {
	f.calls = append(f.calls, awsCall{principal, action, resource, allowed, why})
	return allowed
}

// wildcard matches IAM's patterns: * any run of characters, ? one.
func wildcard(pattern, s string, foldCase bool) bool {
	var b strings.Builder
	b.WriteString("^")
	if foldCase {
		b.WriteString("(?i)")
	}
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()).MatchString(s)
}

// allows evaluates an identity policy as IAM does for one action on one
// resource in a request context (the condition keys the request carries):
// an explicit Deny wins, then any Allow, else an implicit deny. Actions
// match without regard to case, resources with. A statement applies only
// if all its conditions hold; a condition on a key the request does not
// carry does not hold, as in IAM ("If the key that you specify in a policy
// condition is not present in the request context, the values do not
// match", IAM User Guide, "IAM JSON policy elements: Condition operators").
// Only StringEquals is evaluated; any other test fails closed.
func allows(policy []iamStatement, action, resource string, context map[string]string) bool {
	allowed := false
	for _, st := range policy {
		matches := slices.ContainsFunc(st.Actions, func(p string) bool { return wildcard(p, action, true) }) &&
			slices.ContainsFunc(st.Resources, func(p string) bool { return wildcard(p, resource, false) })
		if !matches {
			continue
		}
		holds := true
		for _, c := range st.Conditions {
			v, present := context[c.Variable]
			if c.Test != "StringEquals" || !present || !slices.Contains(c.Values, v) {
				holds = false
			}
		}
		if !holds {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if target := r.Header.Get("X-Amz-Target"); strings.HasPrefix(target, "secretsmanager.") {
		f.secretsManager(w, r, strings.TrimPrefix(target, "secretsmanager."), body)
		return
	}
	f.sts(w, body)
}

// STS, query protocol (form in, XML out).

type stsError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
}

type stsResponse struct {
	XMLName      xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleWithWebIdentityResponse"`
	AccessKeyID  string   `xml:"AssumeRoleWithWebIdentityResult>Credentials>AccessKeyId"`
	SecretKey    string   `xml:"AssumeRoleWithWebIdentityResult>Credentials>SecretAccessKey"`
	SessionToken string   `xml:"AssumeRoleWithWebIdentityResult>Credentials>SessionToken"`
	Expiration   string   `xml:"AssumeRoleWithWebIdentityResult>Credentials>Expiration"`
	Subject      string   `xml:"AssumeRoleWithWebIdentityResult>SubjectFromWebIdentityToken"`
	RoleARN      string   `xml:"AssumeRoleWithWebIdentityResult>AssumedRoleUser>Arn"`
	RoleID       string   `xml:"AssumeRoleWithWebIdentityResult>AssumedRoleUser>AssumedRoleId"`
	RequestID    string   `xml:"ResponseMetadata>RequestId"`
}

func (f *fakeAWS) sts(w http.ResponseWriter, body []byte) {
	form, err := parseForm(body)
	if err != nil || form["Action"] != "AssumeRoleWithWebIdentity" {
		writeXML(w, http.StatusBadRequest, stsError{Type: "Sender", Code: "InvalidAction", Message: "only AssumeRoleWithWebIdentity is served"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	roleARN := form["RoleArn"]
	claims, err := f.verifyToken(form["WebIdentityToken"])
	who := "web identity token"
	if claims != nil {
		who = claims.Sub
	}
	deny := func(why string) {
		f.record(who, "sts:AssumeRoleWithWebIdentity", roleARN, false, why)
		writeXML(w, http.StatusForbidden, stsError{Type: "Sender", Code: "AccessDenied", Message: "Not authorized to perform sts:AssumeRoleWithWebIdentity: " + why})
	}
	if err != nil {
		deny(err.Error())
		return
	}
	role, ok := f.roles[roleARN]
	if !ok {
		deny("no role " + roleARN + " in the plan")
		return
	}
	if why := f.trusts(role, claims); why != "" {
		deny(why)
		return
	}
	f.record(who, "sts:AssumeRoleWithWebIdentity", roleARN, true, "")
	key := fmt.Sprintf("ASIAFAKE%012d", len(f.sessions)+1)
	f.sessions[key] = roleARN
	name := form["RoleSessionName"]
	writeXML(w, http.StatusOK, stsResponse{
		AccessKeyID: key, SecretKey: "fake-secret-" + key, SessionToken: "fake-session-" + key,
		Expiration: time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		Subject:    claims.Sub,
		RoleARN:    strings.Replace(strings.Replace(roleARN, ":iam:", ":sts:", 1), ":role/", ":assumed-role/", 1) + "/" + name,
		RoleID:     "AROAFAKE:" + name, RequestID: key,
	})
}

type tokenClaims struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Aud any    `json:"aud"` // a string or a list, per RFC 7519
	Exp int64  `json:"exp"`
}

func (c *tokenClaims) audiences() []string {
	switch a := c.Aud.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, v := range a {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// verifyToken checks an RS256 JWT against the kube-apiserver's service
// account key, as STS checks a token against the OIDC provider's keys.
func (f *fakeAWS) verifyToken(tok string) (*tokenClaims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("the web identity token is not a JWT")
	}
	var header struct{ Alg string }
	if err := decodeSegment(parts[0], &header); err != nil || header.Alg != "RS256" {
		return nil, fmt.Errorf("the token's header is not RS256: %v", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(f.tokenKey, crypto.SHA256, sum[:], sig); err != nil {
		return nil, fmt.Errorf("the token's signature does not verify: %v", err)
	}
	var c tokenClaims
	if err := decodeSegment(parts[1], &c); err != nil {
		return nil, err
	}
	if time.Now().Unix() > c.Exp {
		return &c, fmt.Errorf("the token expired")
	}
	return &c, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// trusts says why the role's trust policy refuses the token, or "" if it
// admits it: an Allow statement for sts:AssumeRoleWithWebIdentity whose
// Federated principal is the OIDC provider that issued the token, and all
// of whose conditions hold.
func (f *fakeAWS) trusts(role *iamRole, c *tokenClaims) string {
	provider := strings.SplitN(f.oidcProviderARN, ":oidc-provider/", 2)
	if len(provider) != 2 || c.Iss != "https://"+provider[1] {
		return fmt.Sprintf("the token's issuer %q is not the OIDC provider %s", c.Iss, f.oidcProviderARN)
	}
	issuer := provider[1]
	why := "no statement of the trust policy admits it"
	for _, st := range role.Trust {
		if st.Effect == "Deny" || !slices.ContainsFunc(st.Actions, func(p string) bool {
			return wildcard(p, "sts:AssumeRoleWithWebIdentity", true)
		}) {
			continue
		}
		if !slices.ContainsFunc(st.Principals, func(p iamPrincipal) bool {
			return p.Type == "Federated" && slices.Contains(p.Identifiers, f.oidcProviderARN)
		}) {
			why = "the trust policy names another federated principal"
			continue
		}
		ok := true
		for _, cond := range st.Conditions {
			var got []string
			switch cond.Variable {
			case issuer + ":sub":
				got = []string{c.Sub}
			case issuer + ":aud":
				got = c.audiences()
			default:
				ok, why = false, "condition on an unknown key "+cond.Variable
			}
			if cond.Test != "StringEquals" {
				ok, why = false, "condition test "+cond.Test+" is not evaluated here"
			}
			if ok && !slices.ContainsFunc(got, func(g string) bool { return slices.Contains(cond.Values, g) }) {
				ok, why = false, fmt.Sprintf("%s is %q, the trust policy wants %q", cond.Variable, got, cond.Values)
			}
		}
		if ok {
			return ""
		}
	}
	return why
}

func parseForm(body []byte) (map[string]string, error) {
	req, err := http.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := req.ParseForm(); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range req.PostForm {
		out[k] = v[0]
	}
	return out, nil
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	xml.NewEncoder(w).Encode(v)
}

// Secrets Manager, JSON 1.1 protocol.

type smRequest struct {
	SecretID  string   `json:"SecretId"`
	SecretIDs []string `json:"SecretIdList"`
	Filters   []struct {
		Key    string
		Values []string
	}
}

type smSecretValue struct {
	ARN           string
	Name          string
	SecretString  string
	VersionID     string `json:"VersionId"`
	VersionStages []string
	CreatedDate   float64
}

func (f *fakeAWS) secretsManager(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// The caller is the session whose access key signed the request
	// (the signature itself is not checked).
	m := regexp.MustCompile(`Credential=([A-Z0-9]+)/`).FindStringSubmatch(r.Header.Get("Authorization"))
	roleARN := ""
	if m != nil {
		roleARN = f.sessions[m[1]]
	}
	action := "secretsmanager:" + op
	if roleARN == "" {
		f.record("unknown credentials", action, "", false, "the request is not signed by a session STS issued")
		smError(w, "UnrecognizedClientException", "The security token included in the request is invalid.")
		return
	}
	role := f.roles[roleARN]
	// Secrets Manager calls KMS on the caller's behalf, so the decrypt
	// carries kms:ViaService (AWS KMS Developer Guide, "kms:ViaService").
	viaSM := map[string]string{"kms:ViaService": "secretsmanager." + f.region + ".amazonaws.com"}
	check := func(action, resource string, context map[string]string) bool {
		ok := allows(role.Policy, action, resource, context)
		why := ""
		if !ok {
			why = "no statement of the role's policy allows it"
		}
		return f.record(roleARN, action, resource, ok, why)
	}
	var req smRequest
	if err := json.Unmarshal(body, &req); err != nil {
		smError(w, "InvalidRequestException", err.Error())
		return
	}
	// read checks GetSecretValue on the secret and kms:Decrypt on its key,
	// which Secrets Manager uses on the caller's behalf.
	read := func(s *fakeSecret) bool {
		return check("secretsmanager:GetSecretValue", s.ARN, nil) && check("kms:Decrypt", s.KMSKey, viaSM)
	}
	switch op {
	case "GetSecretValue", "DescribeSecret":
		s := f.find(req.SecretID)
		if s == nil {
			f.record(roleARN, action, req.SecretID, false, "no such secret")
			smError(w, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
			return
		}
		if op == "DescribeSecret" {
			if !check(action, s.ARN, nil) {
				smError(w, "AccessDeniedException", "not authorized to perform "+action)
				return
			}
			smJSON(w, map[string]any{"ARN": s.ARN, "Name": s.Name, "Tags": tagList(s.Tags)})
			return
		}
		if !read(s) {
			smError(w, "AccessDeniedException", "not authorized to perform secretsmanager:GetSecretValue on "+s.ARN)
			return
		}
		smJSON(w, f.value(s))
	case "BatchGetSecretValue":
		// AWS API reference, BatchGetSecretValue: "Required permissions:
		// secretsmanager:BatchGetSecretValue, and you must have
		// secretsmanager:GetSecretValue for each secret. If you use
		// filters, you must also have secretsmanager:ListSecrets."
		// Neither action has a resource type, so the resource is "*".
		if !check(action, "*", nil) || (len(req.Filters) > 0 && !check("secretsmanager:ListSecrets", "*", nil)) {
			smError(w, "AccessDeniedException", "not authorized to perform "+action)
			return
		}
		var chosen []*fakeSecret
		for _, id := range req.SecretIDs {
			if s := f.find(id); s != nil {
				chosen = append(chosen, s)
			}
		}
		if len(req.SecretIDs) == 0 {
			chosen = f.filter(req)
		}
		values, errs := []smSecretValue{}, []map[string]string{}
		for _, s := range chosen {
			if !read(s) {
				errs = append(errs, map[string]string{"SecretId": s.ARN, "ErrorCode": "AccessDeniedException", "Message": "not authorized"})
				continue
			}
			values = append(values, f.value(s))
		}
		smJSON(w, map[string]any{"SecretValues": values, "Errors": errs})
	case "ListSecrets":
		if !check(action, "*", nil) {
			smError(w, "AccessDeniedException", "not authorized to perform "+action)
			return
		}
		var list []map[string]any
		for _, s := range f.filter(req) {
			list = append(list, map[string]any{"ARN": s.ARN, "Name": s.Name, "Tags": tagList(s.Tags)})
		}
		smJSON(w, map[string]any{"SecretList": list})
	default:
		f.record(roleARN, action, "", false, "not served by this fixture")
		smError(w, "InvalidRequestException", action+" is not served here")
	}
}

// find resolves a SecretId: a name or a full ARN.
func (f *fakeAWS) find(id string) *fakeSecret {
	for _, s := range f.secrets {
		if s.Name == id || s.ARN == id {
			return s
		}
	}
	return nil
}

// filter applies ListSecrets filters as the API reference describes them:
// each filter must match (AND); tag-key, tag-value and name match a prefix
// of the key, of a value, or of the name.
func (f *fakeAWS) filter(req smRequest) []*fakeSecret {
	var out []*fakeSecret
	for _, s := range f.secrets {
		ok := true
		for _, flt := range req.Filters {
			hit := false
			for _, v := range flt.Values {
				switch flt.Key {
				case "tag-key":
					for k := range s.Tags {
						hit = hit || strings.HasPrefix(k, v)
					}
				case "tag-value":
					for _, tv := range s.Tags {
						hit = hit || strings.HasPrefix(tv, v)
					}
				case "name":
					hit = hit || strings.HasPrefix(s.Name, v)
				}
			}
			ok = ok && hit
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

func (f *fakeAWS) value(s *fakeSecret) smSecretValue {
	return smSecretValue{
		ARN: s.ARN, Name: s.Name, SecretString: s.Value,
		VersionID:     fmt.Sprintf("00000000-0000-0000-0000-%012d", s.Version),
		VersionStages: []string{"AWSCURRENT"},
		CreatedDate:   1764000000,
	}
}

func tagList(tags map[string]string) []map[string]string {
	var out []map[string]string
	for k, v := range tags {
		out = append(out, map[string]string{"Key": k, "Value": v})
	}
	return out
}

func smJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v)
}

func smError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}
