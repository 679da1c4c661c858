# Installs the real AWS Lambda runtime interface client for Node.js (npm `aws-lambda-ric`) once per machine, in a
# user cache outside the repository, and exports GLACIER_AWS_LAMBDA_RIC for packages/aws's fake Lambda test that
# runs a function through it. Its install builds curl and aws-lambda-cpp from the tarball's sources (cmake, make,
# g++: about 90 s here), which is why it is not a dependency of the workspace. Source it: `. .ci/use-lambda-ric.sh`.

GLACIER_RIC_VERSION="4.0.2"
GLACIER_AWS_LAMBDA_RIC="${GLACIER_AWS_LAMBDA_RIC:-${XDG_CACHE_HOME:-$HOME/.cache}/glacier/aws-lambda-ric-$GLACIER_RIC_VERSION}"
if [ ! -f "$GLACIER_AWS_LAMBDA_RIC/node_modules/aws-lambda-ric/rapid-client.node" ]; then
  echo "ci: installing aws-lambda-ric@$GLACIER_RIC_VERSION (builds its native client) into $GLACIER_AWS_LAMBDA_RIC"
  mkdir -p "$GLACIER_AWS_LAMBDA_RIC"
  npm install --prefix "$GLACIER_AWS_LAMBDA_RIC" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "aws-lambda-ric@$GLACIER_RIC_VERSION" >/dev/null ||
    echo "ci: aws-lambda-ric did not build; its test will fail in CI (GLACIER_REQUIRE_LAMBDA_RIC=1)" >&2
fi
export GLACIER_AWS_LAMBDA_RIC
