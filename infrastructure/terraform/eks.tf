resource "aws_iam_role" "cluster" {
  name               = "${var.cluster_name}-cluster"
  assume_role_policy = data.aws_iam_policy_document.assume["eks"].json
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

# No extra control-plane security group: EKS creates the cluster security
# group, which the control plane and the managed nodes share and which
# allows their traffic; a second one added only an egress rule to
# 0.0.0.0/0. The AWS provider changes vpc_config.security_group_ids in
# place since 5.25.0 (its CHANGELOG; EKS UpdateClusterConfig), so removing
# it does not replace an existing cluster.

resource "aws_eks_cluster" "this" {
  name                      = var.cluster_name
  version                   = var.kubernetes_version
  role_arn                  = aws_iam_role.cluster.arn
  enabled_cluster_log_types = var.cluster_log_types

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = var.cluster_endpoint_public_access
    public_access_cidrs     = var.cluster_endpoint_public_access ? var.cluster_public_access_cidrs : null
  }

  # The principal that runs the first `terraform apply` becomes cluster
  # admin, so someone can run kubectl, deploy.sh and the one-time apply of the
  # Argo CD Application. Left unset, the provider sends false and nobody has
  # access unless cluster_admin_arns names someone. EKS takes this flag only
  # when it creates the cluster and cannot change it later, so a change is
  # ignored rather than planned as a replacement of the cluster; people and
  # pipelines that need lasting access go in cluster_admin_arns.
  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = true
  }

  # When the version leaves standard support EKS upgrades the cluster
  # rather than moving it to extended support, which costs $0.60 an hour
  # instead of $0.10 (EKS pricing page).
  upgrade_policy {
    support_type = "STANDARD"
  }

  # The production tier's cluster cannot be deleted by accident.
  deletion_protection = local.production

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.secrets.arn
    }
  }

  lifecycle {
    ignore_changes = [access_config[0].bootstrap_cluster_creator_admin_permissions]
  }

  depends_on = [aws_iam_role_policy_attachment.cluster, aws_cloudwatch_log_group.cluster]
}

# EKS writes its control-plane logs to this group. Made here, before the
# cluster, so that it has a retention; EKS would make it with none (kept,
# and billed, forever). A cluster created before this group existed in the
# module already has it: import it first (terraform import
# aws_cloudwatch_log_group.cluster /aws/eks/<cluster>/cluster).
resource "aws_cloudwatch_log_group" "cluster" {
  name              = "/aws/eks/${var.cluster_name}/cluster"
  retention_in_days = var.cluster_log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

# Cluster admins (cluster_admin_arns): the people and pipelines that run the
# deploy and rollback scripts, besides the principal that created the cluster
# (access_config above).
resource "aws_eks_access_entry" "admin" {
  for_each      = toset(var.cluster_admin_arns)
  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value
}

resource "aws_eks_access_policy_association" "admin" {
  for_each      = toset(var.cluster_admin_arns)
  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }

  depends_on = [aws_eks_access_entry.admin]
}

# OIDC provider: lets Kubernetes service accounts assume IAM roles (IRSA).
resource "aws_iam_openid_connect_provider" "cluster" {
  url            = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
}

resource "aws_iam_role" "nodes" {
  name               = "${var.cluster_name}-nodes"
  assume_role_policy = data.aws_iam_policy_document.assume["ec2"].json
}

resource "aws_iam_role_policy_attachment" "nodes" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
  ])
  role       = aws_iam_role.nodes.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

# The node group's name ends in a digest of every argument that replaces
# the group (instance types, capacity type, subnets, launch template, node
# role), so a change to any of them names the new group differently and
# create_before_destroy brings it up beside the old one: the pods move over
# as the old nodes drain. Under one fixed name AWS would refuse the second
# group, and Terraform would have to delete every node first.
locals {
  node_group_name = "${var.cluster_name}-nodes-${substr(sha256(jsonencode({
    instance_types  = var.node_instance_types
    capacity_type   = var.node_capacity_type
    subnet_ids      = sort(var.subnet_ids)
    launch_template = aws_launch_template.nodes.id
    node_role       = aws_iam_role.nodes.arn
  })), 0, 8)}"
}

resource "aws_eks_node_group" "this" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = local.node_group_name
  node_role_arn   = aws_iam_role.nodes.arn
  subnet_ids      = var.subnet_ids
  instance_types  = var.node_instance_types
  capacity_type   = var.node_capacity_type
  # The nodes follow the control plane's version: an upgrade of the model's
  # kubernetesVersion rolls them too.
  version = aws_eks_cluster.this.version

  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }

  scaling_config {
    desired_size = var.node_desired_size
    min_size     = var.node_min_size
    max_size     = var.node_max_size
  }

  update_config {
    max_unavailable = 1
  }

  # The Cluster Autoscaler finds the group by these tags (auto-discovery) and
  # may scale only a group tagged owned by this cluster (platform.tf). EKS
  # puts the same two tags on the autoscaling group it makes for a managed
  # node group (EKS user guide, "Managed node groups"); they are stated here
  # too so that a plan shows them.
  tags = {
    "k8s.io/cluster-autoscaler/enabled"             = "true"
    "k8s.io/cluster-autoscaler/${var.cluster_name}" = "owned"
  }

  # The cluster autoscaler moves the desired size; a plan must not undo it.
  # A replacement creates the new group before it deletes the old (above).
  lifecycle {
    create_before_destroy = true
    ignore_changes        = [scaling_config[0].desired_size]
  }

  depends_on = [aws_iam_role_policy_attachment.nodes]
}

# The nodes' launch template: instance metadata only with a session token
# and one network hop, so that pods (one hop further) cannot take the node
# role's credentials from it; an encrypted gp3 root volume of the model's
# size. Adding a launch template replaces a node group created without one.
resource "aws_launch_template" "nodes" {
  name_prefix            = "${var.cluster_name}-nodes-"
  update_default_version = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.node_disk_size
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }
}

# Night-time scale-down (node_schedule): scheduled actions on the autoscaling
# group EKS made for the node group. At night a plan shows min and max as
# drifted; applying then brings the day's sizes back until the next down.
resource "aws_autoscaling_schedule" "night" {
  count                  = var.node_schedule == null ? 0 : 1
  scheduled_action_name  = "${var.cluster_name}-night"
  autoscaling_group_name = aws_eks_node_group.this.resources[0].autoscaling_groups[0].name
  recurrence             = var.node_schedule.down_recurrence
  time_zone              = var.node_schedule.time_zone
  min_size               = var.node_schedule.night_size
  max_size               = var.node_schedule.night_size
  desired_capacity       = var.node_schedule.night_size
}

resource "aws_autoscaling_schedule" "morning" {
  count                  = var.node_schedule == null ? 0 : 1
  scheduled_action_name  = "${var.cluster_name}-morning"
  autoscaling_group_name = aws_eks_node_group.this.resources[0].autoscaling_groups[0].name
  recurrence             = var.node_schedule.up_recurrence
  time_zone              = var.node_schedule.time_zone
  min_size               = var.node_min_size
  max_size               = var.node_max_size
  desired_capacity       = var.node_desired_size
}
