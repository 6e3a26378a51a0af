# Customer-managed keys, rotated yearly by AWS: one for the database's storage
# (and its Performance Insights and backups), one for secrets (Secrets
# Manager, the RDS master password, EKS secrets), one for the CloudWatch log
# groups. Each has an explicit key policy instead of the default one that
# AWS would attach.

# Every key: the account administers it, and IAM policies in the account
# may grant its use (the statement AWS's default key policy holds; without
# it no IAM policy, including the roles below, could use the key: AWS KMS
# Developer Guide, "Default key policy"). Services such as RDS, EKS and
# Secrets Manager use a key through grants made with the caller's IAM
# permissions, which this statement lets IAM decide.
data "aws_iam_policy_document" "kms_account" {
  statement {
    sid       = "AccountAdministersTheKeyAndIAMGrantsItsUse"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${var.aws_account_id}:root"]
    }
  }
}

# CloudWatch Logs encrypts a log group with a customer-managed key only if
# the key policy lets the regional service use it, limited here to the log
# groups of this account and region by the encryption context (CloudWatch
# Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS").
data "aws_iam_policy_document" "kms_logs" {
  source_policy_documents = [data.aws_iam_policy_document.kms_account.json]
  statement {
    sid       = "CloudWatchLogsOfThisAccountAndRegion"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.aws_region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.aws_region}:${var.aws_account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "database" {
  description             = "${local.name}: RDS storage encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_account.json
}

resource "aws_kms_alias" "database" {
  name          = "alias/${local.name}-database"
  target_key_id = aws_kms_key.database.key_id
}

resource "aws_kms_key" "secrets" {
  description             = "${local.name}: Secrets Manager and EKS secrets encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_account.json
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${local.name}-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}

resource "aws_kms_key" "logs" {
  description             = "${local.name}: CloudWatch log groups"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_logs.json
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${local.name}-logs"
  target_key_id = aws_kms_key.logs.key_id
}
