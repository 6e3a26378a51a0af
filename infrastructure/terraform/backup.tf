# AWS Backup plan of the database (db_backup_plan): snapshots on the
# model's schedule into a vault encrypted with the database key, a
# lifecycle (delete after, cold storage after where the resource type
# allows it), and optionally a copy into a vault in another region under
# that region's own key. Point-in-time recovery stays with RDS's automated
# backups; the plan keeps longer-lived, separately owned copies.

locals {
  backup_plan = var.db_backup_plan == null ? [] : [var.db_backup_plan]
  backup_copy = var.db_backup_plan == null ? [] : (var.db_backup_plan.copy_region == null ? [] : [var.db_backup_plan])
}

resource "aws_backup_vault" "this" {
  count       = length(local.backup_plan)
  name        = local.name
  kms_key_arn = aws_kms_key.database.arn
}

resource "aws_kms_key" "backup_copy" {
  count                   = length(local.backup_copy)
  provider                = aws.backup_copy
  description             = "${local.name}: AWS Backup copies from ${var.aws_region}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_account.json
}

resource "aws_backup_vault" "copy" {
  count       = length(local.backup_copy)
  provider    = aws.backup_copy
  name        = "${local.name}-copy"
  kms_key_arn = aws_kms_key.backup_copy[0].arn
}

resource "aws_backup_plan" "this" {
  count = length(local.backup_plan)
  name  = local.name

  rule {
    rule_name         = "${local.name}-database"
    target_vault_name = aws_backup_vault.this[0].name
    schedule          = var.db_backup_plan.schedule

    lifecycle {
      cold_storage_after = var.db_backup_plan.cold_storage_after_days
      delete_after       = var.db_backup_plan.delete_after_days
    }

    dynamic "copy_action" {
      for_each = local.backup_copy
      content {
        destination_vault_arn = aws_backup_vault.copy[0].arn
        lifecycle {
          cold_storage_after = copy_action.value.cold_storage_after_days
          delete_after       = copy_action.value.delete_after_days
        }
      }
    }
  }
}

# AWS Backup takes and restores the snapshots with this role (the managed
# policies AWS provides for it: AWS Backup Developer Guide, "Default
# service role for AWS Backup").
resource "aws_iam_role" "backup" {
  count              = length(local.backup_plan)
  name               = "${var.db_identifier}-backup"
  assume_role_policy = data.aws_iam_policy_document.assume["backup"].json
}

resource "aws_iam_role_policy_attachment" "backup" {
  for_each = toset(length(local.backup_plan) == 0 ? [] : [
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
  ])
  role       = aws_iam_role.backup[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

resource "aws_backup_selection" "database" {
  count        = length(local.backup_plan)
  name         = "${local.name}-database"
  plan_id      = aws_backup_plan.this[0].id
  iam_role_arn = aws_iam_role.backup[0].arn
  resources    = [aws_db_instance.this.arn]
}
