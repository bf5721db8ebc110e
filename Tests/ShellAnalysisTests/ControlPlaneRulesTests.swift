import ShellAnalysis
import Testing

/// Cloud and cluster control planes judged by what a call changes (controlplane.json), and
/// read-only calls kept low whatever service they read, unless what they read is a secret.
@Suite struct ControlPlaneRulesTests {
    static let changes: [(String, String)] = [
        ("aws cloudtrail stop-logging --name org-trail", "T1562.008"),
        ("aws guardduty update-detector --detector-id 12ab --no-enable", "T1562.001"),
        ("aws ec2 modify-snapshot-attribute --snapshot-id snap-1 --attribute createVolumePermission --operation-type add --user-ids 111122223333", "T1537"),
        ("aws rds modify-db-snapshot-attribute --db-snapshot-identifier s1 --attribute-name restore --values-to-add 111122223333", "T1537"),
        ("aws backup delete-recovery-point --backup-vault-name v --recovery-point-arn arn:x", "T1490"),
        ("aws route53 change-resource-record-sets --hosted-zone-id Z1 --change-batch file://c.json", "T1565.002"),
        ("az role assignment create --assignee ext@contoso.onmicrosoft.com --role Owner --scope /subscriptions/1", "T1098.003"),
        ("az monitor diagnostic-settings delete --name send-to-siem --resource /subscriptions/1/x", "T1562.008"),
        ("az snapshot grant-access -g rg -n snap1 --duration-in-seconds 3600", "T1537"),
        ("gcloud projects add-iam-policy-binding prod-1 --member=user:someone@gmail.com --role=roles/owner", "T1098.003"),
        ("gcloud logging sinks delete siem-export", "T1562.008"),
        ("gcloud iam service-accounts keys create k.json --iam-account=ci@prod-1.iam.gserviceaccount.com", "T1098.001"),
        ("kubectl delete validatingwebhookconfiguration gatekeeper-validating-webhook-configuration", "T1562.001"),
        ("kubectl -n falco delete daemonset falco", "T1562.001"),
        ("helm uninstall datadog -n monitoring", "T1562.001"),
        (#"kubectl run x --image=alpine --overrides='{"spec":{"hostPID":true,"containers":[{"name":"x","image":"alpine","securityContext":{"privileged":true}}]}}'"#, "T1611"),
        ("kubectl delete pods --all -n payments", "T1485"),
        ("kubectl create clusterrolebinding x --clusterrole=cluster-admin --user=ext@example.com", "T1098.003"),
        ("terraform destroy -auto-approve", "T1485"),
    ]

    @Test(arguments: changes.indices)
    func changesAreJudgedByEffect(_ i: Int) throws {
        let (command, technique) = Self.changes[i]
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk >= .high, "`\(command)` was \(a.risk): \(a.summary)")
        #expect(a.techniques.contains(technique), "`\(command)`: \(a.techniques)")
    }

    static let reads = [
        "az role assignment list --assignee ops@contoso.com -o table",
        "az monitor diagnostic-settings list --resource /subscriptions/1/x",
        "az vm show -g rg -n web1",
        "gcloud logging sinks list",
        "gcloud iam service-accounts list",
        "aws iam list-users",
        "aws ec2 describe-instances --filters Name=tag:app,Values=web",
        "aws s3 ls s3://app-logs/",
        "kubectl get pods -n app -o wide",
        "kubectl describe deployment api -n app",
        "helm list -A",
        "helm status api -n app",
        "terraform plan",
    ]

    @Test(arguments: reads)
    func readOnlyCallsAreLow(_ command: String) throws {
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk <= .low, "`\(command)` was \(a.risk): \(a.summary)")
    }

    /// Reads of secrets stay high.
    @Test(arguments: ["az keyvault secret show --vault-name v --name db-password", "kubectl get secret db -o yaml", "az storage account keys list -n st1", "gcloud auth print-access-token"])
    func readsOfSecretsStayHigh(_ command: String) throws {
        let a = try Analyser.bundled().get().analyse(command)
        #expect(a.risk >= .high, "`\(command)` was \(a.risk): \(a.summary)")
    }
}
