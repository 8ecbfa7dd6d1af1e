.PHONY: demo test setup build
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
setup:
	bash scripts/setup.sh
build:
	npm run build
