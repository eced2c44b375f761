# Every target sets up what it needs from nothing: a fresh clone needs only python3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LANGS := da en de pl uk ar
# The SMS gateway's port for `make run`: make run PORT=5050
PORT ?= 5000

.PHONY: run test i18n catalogs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

catalogs: $(STAMP)
	$(BIN)/pybabel compile -d locales -D messages --statistics

run: catalogs
	$(BIN)/faelles demo --port $(PORT)

test: catalogs
	$(BIN)/python -m pytest

# Extract messages from the code, merge them into every catalog, compile.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k npgettext:1c,2,3 \
		--project=faelles --copyright-holder="Fælles" -o locales/messages.pot .
	for lang in $(LANGS); do test -f locales/$$lang/LC_MESSAGES/messages.po || \
		$(BIN)/pybabel init -i locales/messages.pot -d locales -D messages -l $$lang; done
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching
	$(BIN)/pybabel compile -d locales -D messages --statistics

clean:
	rm -rf $(VENV) var
