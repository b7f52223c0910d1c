// Package deploy checks the production shape that ships beside the code:
// docker-compose.yml and the Dockerfile. No Docker engine runs in CI, so
// the compose file is loaded and validated with the Compose specification's
// own Go loader.
package deploy
