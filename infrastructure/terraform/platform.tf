# The cluster platform on the AWS side: the EKS managed add-ons at the
# model's pinned versions (schema/platform.cue), and the Cluster
# Autoscaler's IAM role. The in-cluster components are Argo CD Applications
# under out/<env>/platform/.

# Managed add-ons replace the self-managed bootstrap copies of vpc-cni,
# CoreDNS and kube-proxy that EKS starts a cluster with, so that they are
# upgraded with the model (OVERWRITE takes them over on create). CoreDNS and
# metrics-server are Deployments: they wait for nodes to run on.
resource "aws_eks_addon" "this" {
  for_each = var.eks_addon_versions

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = each.value
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  # The VPC CNI's network policy agent is off unless enableNetworkPolicy is
  # "true" (a string in the add-on's configuration schema: `aws eks
  # describe-addon-configuration --addon-name vpc-cni`; EKS user guide,
  # "Restrict Pod network traffic with Kubernetes network policies").
  configuration_values = each.key == "vpc-cni" ? jsonencode({
    enableNetworkPolicy = var.vpc_cni_network_policy ? "true" : "false"
  }) : null

  depends_on = [aws_eks_node_group.this]
}

# The Cluster Autoscaler's service account assumes this role through the
# cluster's OIDC provider (IRSA); no other principal can.
data "aws_iam_policy_document" "cluster_autoscaler_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.cluster.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.cluster_autoscaler_service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

# The autoscaler's documented least privilege (kubernetes/autoscaler,
# cluster-autoscaler/cloudprovider/aws/README.md, "IAM Policy"): it may
# change only the autoscaling groups tagged as this cluster's, and read the
# rest.
data "aws_iam_policy_document" "cluster_autoscaler" {
  statement {
    sid = "ScaleThisClustersGroupsOnly"
    actions = [
      "autoscaling:SetDesiredCapacity",
      "autoscaling:TerminateInstanceInAutoScalingGroup",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/k8s.io/cluster-autoscaler/${var.cluster_name}"
      values   = ["owned"]
    }
  }
  statement {
    sid = "DescribeGroupsAndInstanceTypes"
    actions = [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "autoscaling:DescribeTags",
      "ec2:DescribeImages",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:GetInstanceTypesFromInstanceRequirements",
      "eks:DescribeNodegroup",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role" "cluster_autoscaler" {
  name               = var.cluster_autoscaler_role_name
  assume_role_policy = data.aws_iam_policy_document.cluster_autoscaler_trust.json
}

resource "aws_iam_role_policy" "cluster_autoscaler" {
  name   = "cluster-autoscaler"
  role   = aws_iam_role.cluster_autoscaler.id
  policy = data.aws_iam_policy_document.cluster_autoscaler.json
}
