terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
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
