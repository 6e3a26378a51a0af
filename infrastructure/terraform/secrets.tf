# The application's secrets. Terraform creates them; values are put in by
# operators (API keys) or written here from what Terraform knows (connection
# details). The master password stays in the secret RDS manages.

resource "aws_secretsmanager_secret" "app" {
  name                    = var.app_secret_name
  description             = "API keys of ${local.name}; operators set the keys ${join(", ", var.app_secret_keys)}"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = local.production ? 30 : 7
}

resource "aws_secretsmanager_secret" "database" {
  name                    = var.database_secret_name
  description             = "Connection details of ${var.db_identifier}; the password is in the RDS-managed secret"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = local.production ? 30 : 7
}

resource "aws_secretsmanager_secret_version" "database" {
  secret_id = aws_secretsmanager_secret.database.id
  secret_string = jsonencode({
    host              = aws_db_instance.this.address
    port              = aws_db_instance.this.port
    dbname            = var.db_name
    username          = var.db_username
    sslmode           = "require"
    master_secret_arn = aws_db_instance.this.master_user_secret[0].secret_arn
  })
}

# External Secrets in the environment's namespace assumes this role through
# the cluster's OIDC provider; it may read this environment's secrets only.
data "aws_iam_policy_document" "external_secrets_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.cluster.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.k8s_namespace}:${var.external_secrets_service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "external_secrets" {
  statement {
    sid     = "ReadThisEnvironmentsSecrets"
    actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [
      aws_secretsmanager_secret.app.arn,
      aws_secretsmanager_secret.database.arn,
      aws_db_instance.this.master_user_secret[0].secret_arn,
    ]
  }
  # External Secrets (v0.16.2, pkg/provider/aws/secretsmanager findByTags)
  # finds the RDS-managed secret, whose name is random, by its
  # aws:rds:primaryDBInstanceArn tag with one BatchGetSecretValue call whose
  # Filters name the tag. AWS's API reference for BatchGetSecretValue: it
  # needs secretsmanager:BatchGetSecretValue, ListSecrets when filters are
  # used, and GetSecretValue on each secret it returns; the Service
  # Authorization Reference lists no resource type for either of the first
  # two, so only "*" can name them. Values stay limited to the above.
  statement {
    sid       = "FindTheRDSManagedSecretByTag"
    actions   = ["secretsmanager:BatchGetSecretValue", "secretsmanager:ListSecrets"]
    resources = ["*"]
  }
  # Only through Secrets Manager: the role cannot decrypt with the key
  # directly, nor anything else the key encrypts (EKS secrets, the RDS
  # master password outside Secrets Manager). kms:ViaService names the
  # service that calls KMS for the principal (AWS KMS Developer Guide,
  # "kms:ViaService").
  statement {
    sid       = "DecryptThemThroughSecretsManager"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.secrets.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.aws_region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "external_secrets" {
  name               = var.external_secrets_role_name
  assume_role_policy = data.aws_iam_policy_document.external_secrets_trust.json
}

resource "aws_iam_role_policy" "external_secrets" {
  name   = "read-${local.name}-secrets"
  role   = aws_iam_role.external_secrets.id
  policy = data.aws_iam_policy_document.external_secrets.json
}
