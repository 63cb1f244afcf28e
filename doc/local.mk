# doc (local.mk): the man pages and the bash completion (issue 6).
dist_man_MANS += doc/amplecall.1 doc/amplecall.conf.5

# bash-completion loads a command's completion from a file named after the command.
bashcompletiondir = $(datadir)/bash-completion/completions
EXTRA_DIST += contrib/amplecall.bash

install-data-local: install-bash-completion
install-bash-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) '$(srcdir)/contrib/amplecall.bash' '$(DESTDIR)$(bashcompletiondir)/amplecall'

uninstall-local: uninstall-bash-completion
uninstall-bash-completion:
	rm -f '$(DESTDIR)$(bashcompletiondir)/amplecall'

.PHONY: install-bash-completion uninstall-bash-completion
EXTRA_DIST += doc/architecture.md doc/outbox.md doc/security.md doc/performance.md doc/testing.md
