resource "aws_db_subnet_group" "this" {
  name        = var.db_identifier
  description = "Database subnets of ${var.db_identifier}"
  subnet_ids  = var.db_subnet_ids
}

# TLS in transit: PostgreSQL refuses unencrypted connections.
resource "aws_db_parameter_group" "this" {
  name        = "${var.db_identifier}-postgres${var.db_engine_version}"
  family      = "postgres${var.db_engine_version}"
  description = "Parameters of ${var.db_identifier}"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# The database admits PostgreSQL only from the EKS cluster security group,
# which the managed nodes carry.
resource "aws_security_group" "database" {
  name        = "${var.db_identifier}-database"
  description = "PostgreSQL of ${var.db_identifier}, reachable from the EKS nodes only"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.db_identifier}-database"
  }
}

resource "aws_vpc_security_group_ingress_rule" "database_from_nodes" {
  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from the EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = var.db_port
  to_port                      = var.db_port
  referenced_security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

resource "aws_iam_role" "rds_monitoring" {
  count              = var.db_monitoring_interval > 0 ? 1 : 0
  name               = "${var.db_identifier}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.assume["monitoring"].json
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  count      = var.db_monitoring_interval > 0 ? 1 : 0
  role       = aws_iam_role.rds_monitoring[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  identifier     = var.db_identifier
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.database.arn

  db_name  = var.db_name
  username = var.db_username
  port     = var.db_port
  # RDS creates the master password, keeps it in Secrets Manager under the
  # secrets key and rotates it; it never appears in Terraform or lexgen.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.secrets.arn

  multi_az               = var.db_multi_az
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.database.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false

  backup_retention_period    = var.db_backup_retention_period
  backup_window              = var.db_backup_window
  maintenance_window         = var.db_maintenance_window
  copy_tags_to_snapshot      = var.db_copy_tags_to_snapshot
  auto_minor_version_upgrade = true
  deletion_protection        = var.db_deletion_protection
  # A change of the model's major version is an upgrade RDS must be allowed
  # to make (review flags it); a version past its standard support is not
  # moved to RDS Extended Support, which is billed per vCPU-hour.
  allow_major_version_upgrade = true
  engine_lifecycle_support    = "open-source-rds-extended-support-disabled"
  # Replacing the instance (a restore, a rename) keeps its automated backups,
  # and so point-in-time recovery, for their retention period.
  delete_automated_backups = false

  # PostgreSQL's own logs go to CloudWatch, kept db_log_retention_days.
  enabled_cloudwatch_logs_exports = keys(aws_cloudwatch_log_group.database)

  # A final snapshot when the database is destroyed, where the model asks
  # (by default in the production tier); and, to restore, the snapshot the
  # database is created from.
  skip_final_snapshot       = var.db_final_snapshot_identifier == null
  final_snapshot_identifier = var.db_final_snapshot_identifier
  snapshot_identifier       = var.db_snapshot_identifier

  # Performance Insights at its free retention, 7 days, under the
  # database's key.
  performance_insights_enabled          = var.db_performance_insights
  performance_insights_retention_period = var.db_performance_insights ? 7 : null
  performance_insights_kms_key_id       = var.db_performance_insights ? aws_kms_key.database.arn : null

  # IAM database authentication is allowed beside the password: operators
  # can connect with a short-lived token instead of the master password.
  iam_database_authentication_enabled = true

  monitoring_interval = var.db_monitoring_interval
  monitoring_role_arn = var.db_monitoring_interval > 0 ? aws_iam_role.rds_monitoring[0].arn : null

  depends_on = [aws_iam_role_policy_attachment.rds_monitoring, aws_cloudwatch_log_group.database]
}

# The log groups RDS exports to, made first so that they have a retention.
resource "aws_cloudwatch_log_group" "database" {
  for_each          = toset(["postgresql", "upgrade"])
  name              = "/aws/rds/instance/${var.db_identifier}/${each.key}"
  retention_in_days = var.db_log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

# Cross-region backup replication (db_backup_replication): the automated
# backups, and so point-in-time restore, are copied to another region under
# a key of that region.
resource "aws_kms_key" "backup_replica" {
  count                   = var.db_backup_replication == null ? 0 : 1
  provider                = aws.backup_replica
  description             = "${local.name}: RDS backups replicated from ${var.aws_region}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_account.json
}

resource "aws_db_instance_automated_backups_replication" "this" {
  count                  = var.db_backup_replication == null ? 0 : 1
  provider               = aws.backup_replica
  source_db_instance_arn = aws_db_instance.this.arn
  kms_key_id             = aws_kms_key.backup_replica[0].arn
  retention_period       = var.db_backup_replication.retention_days
}
