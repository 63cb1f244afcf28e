# doc (local.mk): the man pages and the shell completions (issues 6 and 17).
dist_man_MANS += doc/amplecall.1 doc/amplecall.conf.5

# bash, zsh and fish completions, generated from one description of the commands and
# options (contrib/completion.spec) so they cannot drift apart; each installed where its
# shell looks for a command's completion (Debian's vendor directories for zsh and fish;
# override on the make command line for another layout).
bashcompletiondir = $(datadir)/bash-completion/completions
zshcompletiondir = $(datadir)/zsh/vendor-completions
fishcompletiondir = $(datadir)/fish/vendor_completions.d
COMPLETIONS = contrib/amplecall.bash contrib/_amplecall contrib/amplecall.fish
noinst_DATA = $(COMPLETIONS)
CLEANFILES += $(COMPLETIONS)
EXTRA_DIST += contrib/completion.spec contrib/gen-completion

GEN_COMPLETION = $(MKDIR_P) contrib && AWK='$(AWK)' $(SHELL) $(srcdir)/contrib/gen-completion
contrib/amplecall.bash: $(srcdir)/contrib/completion.spec $(srcdir)/contrib/gen-completion
	$(AM_V_GEN)$(GEN_COMPLETION) bash $(srcdir)/contrib/completion.spec >$@.tmp && mv $@.tmp $@
contrib/_amplecall: $(srcdir)/contrib/completion.spec $(srcdir)/contrib/gen-completion
	$(AM_V_GEN)$(GEN_COMPLETION) zsh $(srcdir)/contrib/completion.spec >$@.tmp && mv $@.tmp $@
contrib/amplecall.fish: $(srcdir)/contrib/completion.spec $(srcdir)/contrib/gen-completion
	$(AM_V_GEN)$(GEN_COMPLETION) fish $(srcdir)/contrib/completion.spec >$@.tmp && mv $@.tmp $@

install-data-local: install-completions
install-completions: $(COMPLETIONS)
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)' '$(DESTDIR)$(zshcompletiondir)' \
		'$(DESTDIR)$(fishcompletiondir)'
	$(INSTALL_DATA) contrib/amplecall.bash '$(DESTDIR)$(bashcompletiondir)/amplecall'
	$(INSTALL_DATA) contrib/_amplecall '$(DESTDIR)$(zshcompletiondir)/_amplecall'
	$(INSTALL_DATA) contrib/amplecall.fish '$(DESTDIR)$(fishcompletiondir)/amplecall.fish'

uninstall-local: uninstall-completions
uninstall-completions:
	rm -f '$(DESTDIR)$(bashcompletiondir)/amplecall' '$(DESTDIR)$(zshcompletiondir)/_amplecall' \
		'$(DESTDIR)$(fishcompletiondir)/amplecall.fish'

.PHONY: install-completions uninstall-completions
EXTRA_DIST += doc/architecture.md doc/outbox.md doc/security.md doc/performance.md doc/testing.md
