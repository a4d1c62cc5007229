// Package deploy holds the deployment files, not code: compose.yaml (with
// nginx.conf and .env.example) runs PostgreSQL, a migration, two replicas
// behind a load balancer and a mail catcher on one machine; kubernetes/
// holds the manifests for a cluster. Its tests validate both offline in CI:
// every Kubernetes manifest is decoded strictly into the typed objects of
// k8s.io/api (an unknown or misspelt field fails), the compose file is
// loaded and schema-checked by compose-spec's compose-go, and the pieces are
// checked to fit each other and the repository's Dockerfile.
package deploy
