"""Deployment: Kubernetes, proxies, Terraform, certificates, configuration."""

# Code quoted in the conversations keeps its own line lengths, and typographic
# characters (dashes, curly quotes, the times sign) stay as tools and people wrote them.
# ruff: noqa: E501, RUF001

from __future__ import annotations

from bench.relevance.material.kit import Variant, family, written

K8S = [
    {
        "key": "k8s-crashloop-secret-key",
        "repo": "infra",
        "title": "billing pods crashlooping",
        "turns": [
            "billing-api pods in CrashLoopBackOff after the deploy. nothing changed in the code "
            "except config",
            (
                "$",
                "kubectl -n billing logs deploy/billing-api --previous | tail -5",
                'Traceback (most recent call last):\n  File "/app/billing/settings.py", line 14, in <module>\n'
                "    DATABASE_URL = os.environ[\"DATABASE_URL\"]\nKeyError: 'DATABASE_URL'",
            ),
            (
                "$",
                "kubectl -n billing get deploy billing-api -o "
                "jsonpath='{.spec.template.spec.containers[0].env}' | jq .",
                '[\n  {\n    "name": "DATABASE_URL",\n    "valueFrom": {\n      "secretKeyRef": '
                '{\n        "key": "database-url",\n        "name": "billing-db",\n        '
                '"optional": true\n      }\n    }\n  }\n]',
            ),
            (
                "$",
                "kubectl -n billing get secret billing-db -o jsonpath='{.data}' | jq 'keys'",
                '[\n  "database_url"\n]',
            ),
            """
            The deployment reads key `database-url` (dash) from the secret, but the secret was
            recreated last week with key `database_url` (underscore). Because the reference is
            marked `optional: true`, Kubernetes starts the pod anyway with the variable unset,
            and the app crashes on `os.environ["DATABASE_URL"]`.

            Fix the key name in the Helm values, and drop `optional: true`: with it gone a
            missing key stops the rollout with a clear `CreateContainerConfigError` instead of
            a crash loop.
            """,
            "yes do both in infra/charts/billing",
            (
                "$",
                "helm upgrade billing charts/billing -n billing -f envs/prod/billing.yaml && "
                "kubectl -n billing rollout status deploy/billing-api",
                'Release "billing" has been upgraded. Happy Helming!\n'
                'deployment "billing-api" successfully rolled out',
            ),
        ],
        "msg": "billing: secret key is database_url; a missing key fails the rollout",
        "q": [
            ("natural", "why were the billing pods crashlooping after the config change"),
            ("keywords", "CrashLoopBackOff KeyError DATABASE_URL secretKeyRef"),
        ],
        "para": [],
    },
    {
        "key": "k8s-readiness-probe-path",
        "repo": "infra",
        "turns": [
            "notifier deploy stuck, new pods never become ready. 0/1 Running for 10 min",
            (
                "$",
                "kubectl -n notifier describe pod -l app=notifier | grep -A3 Events",
                "Events:\n  Warning  Unhealthy  12s (x61 over 10m)  kubelet  Readiness probe "
                "failed: "
                "HTTP probe failed with statuscode: 404",
            ),
            """
            The readiness probe gets a 404. The chart probes `/healthz`, and the notifier's
            Express app moved its health endpoint to `/health` in the last release (I can see
            it in `src/server.ts` of the notifier repo). The pods are fine; Kubernetes just
            never gets a 200, so it never routes traffic and the rollout waits forever (the old
            pods keep serving, so no outage).
            """,
            "change the probe. should liveness be the same path?",
            """
            Same path is OK for a service this simple, but different settings: liveness should
            be more forgiving (`failureThreshold: 6`, `periodSeconds: 20`) so a slow moment
            doesn't restart a pod that would recover. And a liveness check must not depend on
            Redis or the database, or a Redis blip restarts every pod at once.
            """,
        ],
        "msg": "notifier: probes on /health",
        "q": [
            ("natural", "notifier pods never became ready after the deploy"),
            ("keywords", "readiness probe failed 404 healthz"),
        ],
        "para": [],
    },
    {
        "key": "k8s-oomkilled-java",
        "repo": "infra",
        "title": "search-service OOM",
        "turns": [
            "search-service keeps restarting, reason OOMKilled. limit is 1Gi",
            (
                "$",
                "kubectl -n search get pod -l app=search-service -o jsonpath='{.items[0].status."
                "containerStatuses[0].lastState}' | jq .",
                '{\n  "terminated": {\n    "exitCode": 137,\n    "reason": "OOMKilled"\n  }\n}',
            ),
            """
            Exit code 137, killed by the kernel for exceeding the container's memory limit.
            The JVM is started with `-Xmx1g`, the same as the limit. But the heap isn't all
            the memory a JVM uses: metaspace, thread stacks, the code cache and direct buffers
            (Elasticsearch's client uses Netty, which allocates off-heap) come on top. So the
            process crosses 1 GiB while the heap is still fine.

            Size the heap as a share of the limit instead of a fixed number:

            ```yaml
            env:
              - name: JAVA_TOOL_OPTIONS
                value: "-XX:MaxRAMPercentage=70 -XX:MaxDirectMemorySize=128m"
            resources:
              requests: {memory: 1Gi}
              limits: {memory: 1536Mi}
            ```
            """,
            "why 70%",
            "It leaves ~30% for everything off-heap; for a typical Spring Boot service that's "
            "about right. Watch `container_memory_working_set_bytes` for a day after the change.",
        ],
        "q": [
            ("keywords", "OOMKilled exit code 137 MaxRAMPercentage"),
            ("title", "search-service OOM"),
        ],
        "para": [],
    },
    {
        "key": "k8s-imagepullbackoff",
        "repo": "infra",
        "turns": [
            "new namespace 'reports', pods in ImagePullBackOff. image is in our private "
            "registry, same as the other services",
            (
                "$",
                "kubectl -n reports describe pod -l app=reports | grep -m2 -A1 Failed",
                '  Warning  Failed   kubelet  Failed to pull image "registry.ann.dev/reports:0.3.1": '
                "failed to authorize: failed to fetch anonymous token: unexpected status: 401 "
                "Unauthorized",
            ),
            """
            The pull is anonymous: the new namespace has no image pull secret. Pull secrets are
            namespaced; the other services each have `regcred` in their namespace. Copy it and
            attach it to the namespace's default service account:

            ```bash
            kubectl get secret regcred -n billing -o yaml \\
              | sed 's/namespace: billing/namespace: reports/' | kubectl apply -f -
            kubectl -n reports patch serviceaccount default \\
              -p '{"imagePullSecrets": [{"name": "regcred"}]}'
            ```
            """,
            "ok but long term I don't want to copy secrets around by hand",
            """
            Put it in Terraform with the namespace (one `kubernetes_secret` per namespace from
            the same variable), or use External Secrets Operator with a `ClusterSecretStore`.
            Since namespaces are already created in `infra/terraform/k8s/namespaces.tf`, adding
            it there is the smallest step.
            """,
        ],
        "q": [("keywords", "ImagePullBackOff 401 regcred namespace")],
        "para": [],
    },
    {
        "key": "k8s-rolling-prestop",
        "repo": "infra",
        "title": "502s during deploys",
        "turns": [
            "every deploy of web-dashboard gives a handful of 502s from the ingress. rolling "
            "update is supposed to avoid that no?",
            """
            Rolling updates avoid downtime only if pods leave gracefully. When Kubernetes stops
            a pod, two things happen at the same time: the pod gets SIGTERM, and it's removed
            from the Service's endpoints. The ingress controller learns about the endpoint
            change a moment later, and in that moment it still sends requests to a pod that's
            already shutting down: 502.

            The standard fix is to let the pod keep serving for a few seconds after SIGTERM:

            ```yaml
            lifecycle:
              preStop:
                exec:
                  command: ["sleep", "10"]
            terminationGracePeriodSeconds: 30
            ```

            plus `maxUnavailable: 0` so capacity never drops during the rollout.
            """,
            "the image is distroless, no sleep binary",
            "Kubernetes 1.30+ has a native `preStop: sleep: {seconds: 10}` handler, no binary "
            "needed. Your cluster is on 1.30, so use that.",
            (
                "$",
                "for i in $(seq 3); do kubectl -n web rollout restart deploy/web-dashboard && "
                "kubectl -n web rollout status deploy/web-dashboard; done; ./scripts/count-5xx.sh "
                "15m",
                'deployment "web-dashboard" successfully rolled out\n'
                'deployment "web-dashboard" successfully rolled out\n'
                'deployment "web-dashboard" successfully rolled out\n502: 0\n503: 0',
            ),
            "Three restarts under load, zero 502s.",
        ],
        "q": [
            ("natural", "why did we get 502s on every deploy and how did we fix it"),
            ("keywords", "preStop sleep maxUnavailable 0"),
            ("title", "502s during deploys"),
        ],
        "para": [],
    },
    {
        "key": "k8s-hpa-metrics-server",
        "repo": "infra",
        "turns": [
            "HPA for ingest-worker shows <unknown>/70% for cpu and never scales",
            (
                "$",
                "kubectl -n ingest describe hpa ingest-worker | tail -3",
                "  Warning  FailedGetResourceMetric  horizontal-pod-autoscaler  failed to get cpu "
                "utilization: unable to get metrics for resource cpu: unable to fetch metrics from "
                "resource metrics API: the server could not find the requested resource (get "
                "pods.metrics.k8s.io)",
            ),
            """
            The resource metrics API isn't served: metrics-server isn't installed on this new
            cluster (the old one had it as an add-on). Without it the HPA has no CPU numbers.

            ```bash
            helm upgrade --install metrics-server metrics-server/metrics-server -n kube-system
            ```

            Also check that the worker's containers have `resources.requests.cpu`: utilization
            is measured against the request, and without one it stays unknown even with
            metrics-server.
            """,
            "requests are set. installed it",
            (
                "$",
                "kubectl -n ingest get hpa ingest-worker",
                "NAME            REFERENCE                  TARGETS   MINPODS   MAXPODS   "
                "REPLICAS\n"
                "ingest-worker   Deployment/ingest-worker   cpu: 83%/70%   2   12   4",
            ),
            "It now reads 83% and has scaled to 4 replicas.",
        ],
        "q": [("natural", "hpa showed unknown cpu and never scaled")],
        "para": [],
    },
]

family("k8s", K8S)(written)

OPS: list[Variant] = [
    {
        "key": "nginx-502-proxy-timeout",
        "repo": "infra",
        "turns": [
            "the /reports/export endpoint returns 504 from nginx after exactly 60s, the app "
            "finishes in ~90s",
            """
            60 seconds is nginx's default `proxy_read_timeout`: if the upstream sends nothing
            for 60 s, nginx gives up and answers 504. Raise it for that location only:

            ```nginx
            location /reports/export {
                proxy_pass http://reports;
                proxy_read_timeout 180s;
            }
            ```

            But 90 s requests are fragile (load balancers in front may also cut at 60). A
            better shape: the endpoint starts a job and returns 202 with a URL to poll, and
            the file is downloaded when ready.
            """,
            "timeout for now, job thing in the backlog",
            (
                "$",
                "sudo nginx -t && sudo systemctl reload nginx",
                "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
                "nginx: configuration file /etc/nginx/nginx.conf test is successful",
            ),
        ],
        "q": [("keywords", "nginx 504 proxy_read_timeout 60s")],
        "para": [],
    },
    {
        "key": "helm-rollback",
        "repo": "infra",
        "title": "payments 1.15 rollback",
        "turns": [
            "payments-gateway 1.15.0 is throwing errors in prod, roll back NOW",
            (
                "$",
                "helm -n payments history payments | tail -3",
                "REVISION  UPDATED                   STATUS      CHART                  APP "
                "VERSION  DESCRIPTION\n"
                "41        Tue Jul  8 09:12:44 2025  superseded  payments-gateway-2.3.0  1.14.2  "
                "Upgrade complete\n"
                "42        Thu Jul 10 14:03:10 2025  deployed    payments-gateway-2.3.1  1.15.0  "
                "Upgrade complete",
            ),
            (
                "$",
                "helm -n payments rollback payments 41 --wait",
                "Rollback was a success! Happy Helming!",
            ),
            "Rolled back to revision 41 (app 1.14.2); all pods are ready. Errors stopped in the "
            "last two minutes of logs.",
            "thx. what was the error in 1.15",
            (
                "$",
                "kubectl -n payments logs -l app=payments-gateway --since=30m --previous "
                "2>/dev/null "
                "| grep -m3 ERROR",
                "ERROR idempotency: redis: WRONGTYPE Operation against a key holding the wrong "
                "kind of value",
            ),
            """
            1.15 stores idempotency keys as Redis hashes, while 1.14 stored them as strings
            under the same key names. Old keys (24 h TTL) hit the new code with the wrong type.
            The fix is a new key prefix in 1.15 (`idem:v2:`), so old and new never meet.
            """,
        ],
        "q": [
            ("natural", "how did we roll back the payments release"),
            ("keywords", "helm rollback WRONGTYPE idempotency"),
        ],
        "para": [],
    },
    {
        "key": "terraform-state-lock",
        "repo": "infra",
        "turns": [
            "terraform plan: Error acquiring the state lock. ConditionalCheckFailedException. "
            "nobody else is running anything I think",
            """
            The lock is an item in the DynamoDB table; a crashed or cancelled run (Ctrl-C
            twice, a CI job killed mid-apply) leaves it behind. The error message shows the
            lock's `ID`, `Who` and `Created`. Check that run is really gone, then:

            ```bash
            terraform force-unlock <LOCK_ID>
            ```

            Never force-unlock while an apply is actually running; two applies on one state can
            corrupt it.
            """,
            (
                "paste",
                "it says",
                """
                Lock Info:
                  ID:        6a1f3e2c-91d4-77b0-2c1e-0f8e2a1d9b44
                  Who:       runner@gh-actions-7f2c
                  Operation: OperationTypeApply
                  Created:   2025-08-21 16:02:11 UTC
                """,
            ),
            "A GitHub Actions runner, two hours ago. If that workflow run is cancelled or "
            "finished in the Actions tab, unlock with that ID. Also worth running `terraform "
            "plan` right after: a killed apply may have created some resources.",
        ],
        "q": [("natural", "terraform state lock left by a cancelled ci run")],
        "para": [],
    },
    {
        "key": "terraform-rds-replace",
        "repo": "infra",
        "title": "don't let terraform kill the db",
        "turns": [
            "terraform plan says it will DESTROY and recreate the prod RDS instance. "
            "-/+ aws_db_instance.main (forces replacement). i did not touch it",
            (
                "$",
                "terraform plan -target=aws_db_instance.main -no-color | grep -B2 -A2 'forces "
                "replacement'",
                '      ~ engine_version = "15.7" -> "15.4" # forces replacement\n'
                '      ~ snapshot_identifier = null -> "prod-pre-migration"',
            ),
            """
            Two attributes drifted, and both came from AWS, not from you:

            - `engine_version`: AWS applied the 15.7 minor upgrade automatically
              (`auto_minor_version_upgrade = true`), and the config still says `15.4`. Going
              *down* a version means a new instance.
            - `snapshot_identifier`: someone added it to the config for a restore test.
              Changing it forces a replacement too.

            Never apply this. Fix the config so the plan is empty:

            ```hcl
            resource "aws_db_instance" "main" {
              engine_version = "15"        # major only: minor upgrades are AWS's job
              # snapshot_identifier removed
              lifecycle {
                prevent_destroy = true
              }
            }
            ```
            """,
            (
                "$",
                "terraform plan -target=aws_db_instance.main -no-color | tail -1",
                "No changes. Your infrastructure matches the configuration.",
            ),
            ("person", "prevent_destroy on every stateful thing please"),
            "Added to the RDS instance, the S3 buckets with data, and the ElastiCache cluster.",
        ],
        "q": [
            ("natural", "why did terraform want to recreate the prod database"),
            ("keywords", "forces replacement engine_version prevent_destroy"),
            ("title", "kill the db"),
        ],
        "para": [],
    },
    {
        "key": "certbot-renewal-failed",
        "repo": "infra",
        "turns": [
            "got an email from let's encrypt that status.ann.dev cert expires in 9 days. "
            "renewal is supposed to be automatic",
            (
                "$",
                "sudo certbot renew --dry-run 2>&1 | tail -6",
                "Certbot failed to authenticate some domains (authenticator: standalone).\n"
                "  Domain: status.ann.dev\n  Type:   connection\n"
                "  Detail: 203.0.113.24: Fetching http://status.ann.dev/.well-known/acme-challenge/"
                "x1…: Timeout during connect (likely firewall problem)",
            ),
            """
            The HTTP-01 challenge needs port 80 reachable from the internet, and the connection
            times out. In the firewall rules (ufw) port 80 was closed in June when you moved the
            site to HTTPS-only. Options:

            1. open port 80 again and redirect everything except `/.well-known/acme-challenge/`
               to HTTPS (the usual setup);
            2. switch to the DNS-01 challenge with the Cloudflare plugin, which needs no open
               port at all.
            """,
            "2, we're on cloudflare anyway",
            (
                "$",
                "sudo certbot certonly --dns-cloudflare --dns-cloudflare-credentials "
                "/etc/letsencrypt/cloudflare.ini -d status.ann.dev --force-renewal",
                "Successfully received certificate.\nCertificate is saved at: "
                "/etc/letsencrypt/live/status.ann.dev/fullchain.pem\nThis certificate expires on "
                "2026-01-14.",
            ),
        ],
        "q": [("natural", "why did the lets encrypt renewal fail for the status page")],
        "para": [],
    },
    {
        "key": "hugo-netlify-baseurl",
        "repo": "blog",
        "turns": [
            "deploy previews of the blog on netlify have broken css, the prod site is fine",
            """
            The CSS links point to `https://ann.dev/css/…` in the previews too: `baseURL` in
            `hugo.toml` is the production URL, so every absolute link goes to prod, and the
            preview's new stylesheet (with its fingerprinted name) doesn't exist there.

            Netlify sets `DEPLOY_PRIME_URL` for previews. Build with it:

            ```toml
            [context.deploy-preview]
              command = "hugo --gc --minify -b $DEPLOY_PRIME_URL"
            ```
            """,
            "what about branch deploys",
            "Same variable; add `[context.branch-deploy]` with the same command.",
        ],
        "msg": "netlify: previews build with their own base URL",
        "q": [("keywords", "netlify deploy preview baseURL DEPLOY_PRIME_URL")],
        "para": [],
    },
]

family("deploy-ops", OPS)(written)

CONFIG: list[Variant] = [
    {
        "key": "systemd-environmentfile",
        "repo": "notifier",
        "turns": [
            "notifier runs fine with npm start but as a systemd service it can't see "
            "SMTP_PASSWORD. I export it in .bashrc",
            """
            systemd services don't read your shell's startup files, so nothing from `.bashrc`
            is in their environment. Give the unit its own environment file:

            ```ini
            [Service]
            EnvironmentFile=/etc/notifier/env
            ExecStart=/usr/bin/node /opt/notifier/dist/server.js
            ```

            with `/etc/notifier/env` owned by root and mode 600 (`KEY=value` lines, no
            `export`). Then `systemctl daemon-reload && systemctl restart notifier`.
            """,
            (
                "$",
                "sudo systemctl show notifier -p Environment -p EnvironmentFiles",
                "Environment=\nEnvironmentFiles=/etc/notifier/env (ignore_errors=no)",
            ),
            ("person", "works. why mode 600?"),
            "The file holds the SMTP password; world-readable config files are the classic "
            "leak. systemd reads it as root before dropping privileges, so the service user "
            "doesn't even need access.",
        ],
        "q": [("natural", "the systemd service couldn't see my environment variables")],
        "para": [],
    },
    {
        "key": "compose-env-file",
        "repo": "ingest-worker",
        "chat": True,
        "turns": [
            "docker compose: I have .env with REDIS_URL but the container doesn't get it. "
            "${REDIS_URL} in the compose file works though. confused",
            """
            Two different features share the name:

            - the `.env` file next to `compose.yaml` is only for **interpolation**: it fills
              `${REDIS_URL}` inside the compose file itself;
            - variables reach the **container** only through `environment:` or `env_file:`.

            So either:

            ```yaml
            services:
              worker:
                env_file: .env
            ```

            or `environment: [REDIS_URL]` (passes the value through from the interpolation
            environment).
            """,
            "ahh. env_file it is",
            "Keep in mind `env_file` values are taken literally: no quotes are stripped in "
            "older Compose versions, so write `REDIS_URL=redis://redis:6379/0` without quotes.",
        ],
        "q": [("natural", "docker compose .env not passed to the container")],
        "para": [],
    },
    {
        "key": "cron-timezone-container",
        "repo": "billing-api",
        "title": "angry customers re: reminders",
        "turns": [
            "customers complain the payment reminder emails arrive at 2am. cron says 0 9 * * *",
            (
                "$",
                "kubectl -n billing get cronjob reminders -o jsonpath='{.spec.schedule} "
                "{.spec.timeZone}'",
                "0 9 * * * ",
            ),
            """
            The CronJob has no `timeZone`, so `0 9 * * *` is 09:00 in the controller's time
            zone, which is UTC. Your customers are mostly in California (UTC−7 in summer):
            09:00 UTC is 02:00 there.

            Kubernetes 1.27+ supports time zones on CronJobs:

            ```yaml
            spec:
              schedule: "0 9 * * *"
              timeZone: "America/Los_Angeles"
            ```

            That also follows daylight saving time automatically.
            """,
            "customers are in different zones though. long term?",
            "Long term: store each customer's time zone and have the job run hourly, sending "
            "to the customers for whom it is 9:00 now. For today, Los Angeles fixes most of the "
            "complaints.",
        ],
        "msg": "reminders: run at 9:00 Los Angeles time",
        "q": [
            ("natural", "why were the reminder emails sent at 2am"),
            ("keywords", "cronjob timeZone America/Los_Angeles"),
            ("title", "angry customers reminders"),
        ],
        "para": [],
    },
    {
        "key": "feature-flag-config",
        "repo": "web-dashboard",
        "turns": [
            "I want a simple feature flag for the new billing page, no LaunchDarkly. env var at "
            "build time is too static, we want to flip it without redeploy",
            """
            A small runtime config: the dashboard already fetches `/api/me` on load, so the
            API can return the flags for that user, read from a `feature_flags` table (or a
            JSON file in the config map to start):

            ```ts
            export function useFlag(name: FlagName): boolean {
              const { data } = useMe()
              return data?.flags?.[name] ?? false
            }
            ```

            and in the page: `if (!useFlag('newBillingPage')) return <OldBilling />`. Flip it
            in the table; users get it on their next page load.
            """,
            "percentage rollout possible?",
            "Yes, on the server: hash the user id with the flag name and compare with the "
            'percentage, so each user consistently gets the same answer: `crc32(f"{flag}:'
            '{user_id}") % 100 < percent`.',
        ],
        "msg": "flags: runtime feature flags from /api/me",
        "q": [("natural", "simple feature flags without launchdarkly for the new billing page")],
        "para": [],
    },
]

family("deploy-config", CONFIG)(written)
