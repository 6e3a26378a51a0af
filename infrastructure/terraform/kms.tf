# Customer-managed keys, rotated yearly by AWS: one for the database's storage,
# one for secrets (Secrets Manager, the RDS master password, EKS secrets).

resource "aws_kms_key" "database" {
  description             = "${local.name}: RDS storage encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_kms_alias" "database" {
  name          = "alias/${local.name}-database"
  target_key_id = aws_kms_key.database.key_id
}

resource "aws_kms_key" "secrets" {
  description             = "${local.name}: Secrets Manager and EKS secrets encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${local.name}-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}
