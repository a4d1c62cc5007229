package deploy

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"sigs.k8s.io/yaml"
)

// strictDecoder decodes YAML manifests into the typed objects of k8s.io/api,
// failing on unknown and duplicate fields.
func strictDecoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme, json.SerializerOptions{Yaml: true, Strict: true})
}

// manifests are the decoded objects of deploy/kubernetes, by file name.
type manifests struct {
	files      map[string]runtime.Object
	deployment *appsv1.Deployment
	service    *corev1.Service
	pdb        *policyv1.PodDisruptionBudget
	job        *batchv1.Job
	config     *corev1.ConfigMap
	secret     *corev1.Secret // the example
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	dec := strictDecoder(t)
	paths, err := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := manifests{files: map[string]runtime.Object{}}
	kinds := map[string]int{}
	for _, p := range paths {
		name := filepath.Base(p)
		if name == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		obj, gvk, err := dec.Decode(b, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m.files[name] = obj
		kinds[gvk.Kind]++
		switch o := obj.(type) {
		case *appsv1.Deployment:
			m.deployment = o
		case *corev1.Service:
			m.service = o
		case *policyv1.PodDisruptionBudget:
			m.pdb = o
		case *batchv1.Job:
			m.job = o
		case *corev1.ConfigMap:
			m.config = o
		case *corev1.Secret:
			m.secret = o
		default:
			t.Fatalf("%s: unexpected kind %s", name, gvk)
		}
	}
	for _, k := range []string{"Deployment", "Service", "PodDisruptionBudget", "Job", "ConfigMap", "Secret"} {
		if kinds[k] != 1 {
			t.Fatalf("want exactly one %s manifest, found %d", k, kinds[k])
		}
	}
	return m
}

func TestKubernetesManifestsDecodeStrictly(t *testing.T) {
	m := loadManifests(t)
	for name, obj := range m.files {
		acc, err := metaAccessor(obj)
		if err != nil {
			t.Fatal(err)
		}
		if acc.GetName() == "" {
			t.Errorf("%s has no name", name)
		}
		if acc.GetNamespace() != "" {
			t.Errorf("%s names a namespace; set it with kubectl -n or kustomize", name)
		}
		if acc.GetLabels()["app.kubernetes.io/name"] != "gatehouse" {
			t.Errorf("%s lacks the app.kubernetes.io/name label", name)
		}
	}
}

func metaAccessor(obj runtime.Object) (metav1.Object, error) {
	type hasMeta interface{ GetObjectMeta() metav1.Object }
	if o, ok := obj.(hasMeta); ok {
		return o.GetObjectMeta(), nil
	}
	return nil, os.ErrInvalid
}

// A misspelt or unknown field is an error, not silently dropped.
func TestKubernetesDecoderRejectsUnknownFields(t *testing.T) {
	dec := strictDecoder(t)
	b, err := os.ReadFile(filepath.Join("kubernetes", "deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := dec.Decode(b, nil, nil); err != nil {
		t.Fatalf("the manifest itself: %v", err)
	}
	for _, typo := range [][2]string{
		{"readinessProbe:", "readinesProbe:"},
		{"readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true"},
		{"  replicas: 2", "  replicas: 2\n  replica: 3"},
	} {
		bad := strings.Replace(string(b), typo[0], typo[1], 1)
		if bad == string(b) {
			t.Fatalf("%q not found in deployment.yaml", typo[0])
		}
		if _, _, err := dec.Decode([]byte(bad), nil, nil); err == nil || !strings.Contains(err.Error(), "unknown field") {
			t.Errorf("%q accepted: %v", typo[1], err)
		}
	}
}

func TestKustomizationListsTheManifests(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("kubernetes", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
	}
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		t.Fatal(err)
	}
	if k.Kind != "Kustomization" || k.APIVersion != "kustomize.config.k8s.io/v1beta1" {
		t.Fatalf("kustomization: %s %s", k.APIVersion, k.Kind)
	}
	m := loadManifests(t)
	var want []string
	for name := range m.files {
		if name != "secret.example.yaml" {
			want = append(want, name)
		}
	}
	got := slices.Clone(k.Resources)
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Fatalf("kustomization resources %v, want every manifest but the example Secret: %v", got, want)
	}
}

// configPort is the port of a host:port setting in the ConfigMap.
func configPort(t *testing.T, cm *corev1.ConfigMap, key string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(cm.Data[key])
	if err != nil {
		t.Fatalf("ConfigMap %s: %v", key, err)
	}
	n := int32(0)
	for _, c := range p {
		n = n*10 + int32(c-'0')
	}
	return n
}

func containerPort(t *testing.T, c corev1.Container, name string) int32 {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	t.Fatalf("container %s has no port %q", c.Name, name)
	return 0
}

// hardened checks a pod runs as non-root with a read-only root file system,
// no privilege escalation, no capabilities, and bounded resources.
func hardened(t *testing.T, what string, spec corev1.PodSpec) {
	t.Helper()
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("%s mounts a service account token it does not need", what)
	}
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("%s: pod must run as a non-root user", what)
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod should use the runtime's default seccomp profile", what)
	}
	for _, c := range spec.Containers {
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s/%s: root file system must be read-only", what, c.Name)
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s/%s: privilege escalation must be off", what, c.Name)
		}
		if sc == nil || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			t.Errorf("%s/%s: must drop all capabilities", what, c.Name)
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
			if req.IsZero() || lim.IsZero() {
				t.Errorf("%s/%s: %s request and limit must be set", what, c.Name, r)
			} else if req.Cmp(lim) > 0 {
				t.Errorf("%s/%s: %s request above its limit", what, c.Name, r)
			}
		}
	}
}

// secretRefs checks every secretKeyRef names a key of the example Secret,
// and returns the variables set from it.
func secretRefs(t *testing.T, what string, c corev1.Container, secret *corev1.Secret) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for _, e := range c.Env {
		if e.Value != "" && strings.Contains(strings.ToUpper(e.Name), "SECRET") {
			t.Errorf("%s: %s given inline", what, e.Name)
		}
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		if ref.Name != secret.Name {
			t.Errorf("%s: %s from Secret %q, want %q", what, e.Name, ref.Name, secret.Name)
		}
		if _, ok := secret.StringData[ref.Key]; !ok {
			t.Errorf("%s: %s from key %q, which the example Secret does not show", what, e.Name, ref.Key)
		}
		got[e.Name] = true
	}
	return got
}

func TestKubernetesDeployment(t *testing.T) {
	m := loadManifests(t)
	d := m.deployment
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas: %v, want 2", d.Spec.Replicas)
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() {
		t.Fatalf("deployment selector: %v", err)
	}
	podLabels := labels.Set(d.Spec.Template.Labels)
	if !sel.Matches(podLabels) {
		t.Fatalf("deployment selector %s does not match its pods %v", sel, podLabels)
	}
	if len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want one container")
	}
	c := d.Spec.Template.Spec.Containers[0]
	if !slices.Equal(c.Args, []string{"serve"}) || len(c.Command) != 0 {
		t.Errorf("container runs %v %v, want the image's entrypoint with serve", c.Command, c.Args)
	}
	httpPort := containerPort(t, c, "http")
	if want := configPort(t, m.config, "GATEHOUSE_ADDR"); httpPort != want {
		t.Errorf("port http %d, but GATEHOUSE_ADDR listens on %d", httpPort, want)
	}
	if metrics, want := containerPort(t, c, "metrics"), configPort(t, m.config, "GATEHOUSE_METRICS_ADDR"); metrics != want {
		t.Errorf("port metrics %d, but GATEHOUSE_METRICS_ADDR listens on %d", metrics, want)
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"readiness", c.ReadinessProbe, "/readyz"}, {"liveness", c.LivenessProbe, "/healthz"}, {"startup", c.StartupProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s probe missing or not HTTP", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "http" {
			t.Errorf("%s probe GET %s on %s, want %s on http", p.name, p.probe.HTTPGet.Path, p.probe.HTTPGet.Port.String(), p.path)
		}
	}
	hardened(t, "deployment", d.Spec.Template.Spec)

	// Settings: the ConfigMap for the plain ones, the Secret for the rest.
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].ConfigMapRef == nil || c.EnvFrom[0].ConfigMapRef.Name != m.config.Name {
		t.Errorf("envFrom should be the ConfigMap %s", m.config.Name)
	}
	fromSecret := secretRefs(t, "deployment", c, m.secret)
	for _, v := range []string{"GATEHOUSE_SECRET_KEY", "DATABASE_URL", "GATEHOUSE_SMTP_URL"} {
		if !fromSecret[v] {
			t.Errorf("%s does not come from the Secret", v)
		}
		if _, ok := m.config.Data[v]; ok {
			t.Errorf("%s is in the ConfigMap", v)
		}
	}
	for _, v := range []string{"GATEHOUSE_BASE_URL", "GATEHOUSE_ADDR", "GATEHOUSE_METRICS_ADDR"} {
		if m.config.Data[v] == "" {
			t.Errorf("ConfigMap lacks %s", v)
		}
	}

	// Shutdown: the grace period covers the preStop pause and the 25 s drain.
	grace := int64(30)
	if d.Spec.Template.Spec.TerminationGracePeriodSeconds != nil {
		grace = *d.Spec.Template.Spec.TerminationGracePeriodSeconds
	}
	pause := int64(0)
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		pause = c.Lifecycle.PreStop.Sleep.Seconds
	}
	if grace < pause+25 {
		t.Errorf("terminationGracePeriodSeconds %d < preStop %d + 25 s drain", grace, pause)
	}
	if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Error("a rollout should never take a replica away before its successor is ready (maxUnavailable 0)")
	}
}

func TestKubernetesServiceAndPDBSelectTheReplicas(t *testing.T) {
	m := loadManifests(t)
	podLabels := labels.Set(m.deployment.Spec.Template.Labels)
	jobLabels := labels.Set(m.job.Spec.Template.Labels)

	svcSel := labels.SelectorFromSet(m.service.Spec.Selector)
	if len(m.service.Spec.Selector) == 0 || !svcSel.Matches(podLabels) {
		t.Errorf("Service selector %v does not select the Deployment's pods %v", m.service.Spec.Selector, podLabels)
	}
	if svcSel.Matches(jobLabels) {
		t.Errorf("Service selector %v also selects the migration Job's pods", m.service.Spec.Selector)
	}
	c := m.deployment.Spec.Template.Spec.Containers[0]
	for _, p := range m.service.Spec.Ports {
		containerPort(t, c, p.TargetPort.String()) // the named port exists
	}

	pdbSel, err := metav1.LabelSelectorAsSelector(m.pdb.Spec.Selector)
	if err != nil || pdbSel.Empty() {
		t.Fatalf("PDB selector: %v", err)
	}
	if !pdbSel.Matches(podLabels) {
		t.Errorf("PDB selector %s does not match the Deployment's pods %v", pdbSel, podLabels)
	}
	if pdbSel.Matches(jobLabels) {
		t.Errorf("PDB selector %s also matches the migration Job's pods", pdbSel)
	}
	if m.pdb.Spec.MinAvailable == nil || m.pdb.Spec.MinAvailable.IntValue() < 1 || m.pdb.Spec.MinAvailable.IntValue() >= int(*m.deployment.Spec.Replicas) {
		t.Errorf("PDB minAvailable %v should keep at least one replica and allow draining one", m.pdb.Spec.MinAvailable)
	}
}

func TestKubernetesMigrationJob(t *testing.T) {
	m := loadManifests(t)
	spec := m.job.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatal("want one container")
	}
	c := spec.Containers[0]
	if !slices.Equal(c.Args, []string{"migrate"}) {
		t.Errorf("job runs %v, want migrate", c.Args)
	}
	if c.Image != m.deployment.Spec.Template.Spec.Containers[0].Image {
		t.Errorf("job image %s differs from the Deployment's", c.Image)
	}
	if spec.RestartPolicy != corev1.RestartPolicyOnFailure && spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("job restartPolicy %s", spec.RestartPolicy)
	}
	if !secretRefs(t, "job", c, m.secret)["DATABASE_URL"] {
		t.Error("the job's DATABASE_URL does not come from the Secret")
	}
	if m.job.Spec.BackoffLimit == nil || m.job.Spec.ActiveDeadlineSeconds == nil {
		t.Error("the job should bound its retries and its time")
	}
	hardened(t, "job", spec)
}

func TestKubernetesSecretIsOnlyAnExample(t *testing.T) {
	m := loadManifests(t)
	if !strings.Contains(m.secret.Annotations["gatehouse.example.com/example"], "do not apply") {
		t.Error("the example Secret is not marked as an example")
	}
	for k, v := range m.secret.StringData {
		if !strings.Contains(v, "REPLACE") {
			t.Errorf("example Secret key %s holds something other than a placeholder", k)
		}
	}
	if len(m.secret.Data) != 0 {
		t.Error("the example Secret should use stringData placeholders only")
	}
}
