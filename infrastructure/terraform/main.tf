# The Lexecon environment's AWS infrastructure: an EKS cluster and node group,
# an RDS PostgreSQL database, the KMS keys that encrypt them, the security
# groups between them, and the Secrets Manager secrets the application reads
# through External Secrets. Every input comes from out/<env>/terraform/<env>.tfvars,
# which lexgen renders from envs/<env>.cue.
#
# No data source calls AWS: the account, region, VPC, subnets and zones are
# facts of the model, so the whole module plans offline.

locals {
  name      = "${var.service}-${var.environment}"
  partition = "aws"
  # The cluster's OIDC issuer without the scheme, as IAM conditions name it.
  oidc_issuer = replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")
  production  = var.tier == "production"
}

# Principals that may assume a role: EKS, EC2, RDS monitoring, AWS Backup.
data "aws_iam_policy_document" "assume" {
  for_each = {
    eks        = "eks.amazonaws.com"
    ec2        = "ec2.amazonaws.com"
    monitoring = "monitoring.rds.amazonaws.com"
    backup     = "backup.amazonaws.com"
  }

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [each.value]
    }
  }
}
