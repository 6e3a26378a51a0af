# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "6.34.0"
  constraints = "6.34.0"
  hashes = [
    "h1:GdOgYZc66+y44Ua+uLXpII8SKfgjqMfYB7Xit3LvJ5U=",
  ]
}
