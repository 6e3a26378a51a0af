output "eks_cluster_id" {
  description = "Name of the EKS cluster (aws eks update-kubeconfig --name)."
  value       = aws_eks_cluster.this.id
}

output "eks_cluster_endpoint" {
  description = "URL of the EKS API server."
  value       = aws_eks_cluster.this.endpoint
}

output "eks_cluster_security_group_id" {
  description = "Security group EKS created for the control plane and the managed nodes."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "eks_oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster, for IRSA roles."
  value       = aws_iam_openid_connect_provider.cluster.arn
}

output "aws_region" {
  description = "Region of every resource."
  value       = var.aws_region
}

output "db_endpoint" {
  description = "host:port of the PostgreSQL database."
  value       = aws_db_instance.this.endpoint
}

output "db_address" {
  description = "Host name of the PostgreSQL database."
  value       = aws_db_instance.this.address
}

output "db_master_user_secret_arn" {
  description = "Secret RDS keeps the rotated master password in."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "app_secret_arn" {
  description = "Secret holding the application's API keys."
  value       = aws_secretsmanager_secret.app.arn
}

output "database_secret_arn" {
  description = "Secret holding the database connection details."
  value       = aws_secretsmanager_secret.database.arn
}

output "external_secrets_role_arn" {
  description = "IAM role External Secrets assumes in the environment's namespace."
  value       = aws_iam_role.external_secrets.arn
}

output "db_backup_replica_kms_key_arn" {
  description = "Key of the replicated backups in the other region, or null."
  value       = try(aws_kms_key.backup_replica[0].arn, null)
}
