# The kit's commands. On a fresh Debian machine (root) or a laptop with Docker:
#   make lab    bring up the local lab and deploy site.yml to it
#   make test   the whole test suite (lint, unit, lab, Molecule)
#   make docs   regenerate the role READMEs' variable tables from argument_specs
#   make bench                      stock vs peer vs tuned on the lab: table + chart in reports/bench/
#   make bench-quick                the same, one short round (about 5 minutes)
#   make rollback                   put the lab's app hosts back on their previous release
#   make backup-status              the lab's backups: last full/diff, WAL, next runs
#   make restore CONFIRM=db1 [TARGET_TIME='YYYY-MM-DD HH:MM:SS+00']   restore the lab's database
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: venv sslyze-venv lab lab-up lab-down deploy test lint unit docs help backup-status restore rollback \
	bench bench-quick

help:
	@sed -n 's/^#   //p' Makefile

# The toolchain, exact versions; re-created when the pins change.
venv: $(VENV)/.installed
$(VENV)/.installed: tooling/requirements.txt tooling/constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r tooling/requirements.txt -c tooling/constraints.txt
	touch $@

# sslyze (the lab's TLS proof) pins an older cryptography than Ansible's: its own environment.
SSLYZE_VENV := .venv-sslyze
sslyze-venv: $(SSLYZE_VENV)/.installed
$(SSLYZE_VENV)/.installed: tooling/sslyze-requirements.txt
	python3 -m venv $(SSLYZE_VENV)
	$(SSLYZE_VENV)/bin/pip install -q -r tooling/sslyze-requirements.txt
	touch $@

lab: lab-up deploy

lab-up: venv
	$(PY) lab/lab.py up

deploy: venv
	ansible-playbook -i inventories/local site.yml

rollback: venv
	ansible-playbook -i inventories/local playbooks/rollback.yml

backup-status: venv
	ansible-playbook -i inventories/local playbooks/backup-status.yml

# CONFIRM names the database host (the playbook refuses to run without it).
restore: venv
	ansible-playbook -i inventories/local playbooks/restore.yml -e backup_restore_confirm=$(CONFIRM) \
		$(if $(TARGET_TIME),-e "backup_restore_target_time='$(TARGET_TIME)'")

lab-down: venv
	$(PY) lab/lab.py down

# STAGES=name,... runs only those stages (see tooling/run_tests.py --list).
test: venv sslyze-venv
	$(PY) tooling/run_tests.py $(if $(STAGES),--only $(STAGES))

lint: venv
	$(PY) tooling/run_tests.py --only yamllint,ansible-lint,syntax-check

unit: venv
	$(PY) tooling/run_tests.py --only unit

# Figures, never pass/fail: needs the lab (make lab); tooling/bench/stack.py says what it measures.
bench: venv
	$(PY) tooling/bench/stack.py

bench-quick: venv
	$(PY) tooling/bench/stack.py --quick

# Role READMEs' variable tables, from each role's meta/argument_specs.yml.
docs: venv
	$(PY) tooling/docs.py
