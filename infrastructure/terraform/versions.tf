terraform {
  # 1.10: S3 state locking with a lock file (use_lockfile in backend.hcl).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Exact: the version the e2e checks plan against (../shared/tools/aws-provider)
      # and the one .terraform.lock.hcl records.
      version = "6.34.0"
    }
  }

  # Completed per environment: terraform init -backend-config=out/<env>/terraform/backend.hcl
  backend "s3" {}
}

provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = var.tags
  }
}

# The region backups are replicated to (db_backup_replication); the home
# region when there is none, so the provider is always configured.
provider "aws" {
  alias               = "backup_replica"
  region              = var.db_backup_replication == null ? var.aws_region : var.db_backup_replication.region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = var.tags
  }
}

# The region AWS Backup copies the database's snapshots to
# (db_backup_plan.copy_region); the home region when there is none.
provider "aws" {
  alias               = "backup_copy"
  region              = try(coalesce(var.db_backup_plan.copy_region, var.aws_region), var.aws_region)
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = var.tags
  }
}
