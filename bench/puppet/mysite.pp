# The bundled example (profiles/mysite) as Puppet writes it, for the benchmark.
# Files come from /bench/files: the bench script copies them out of devenv's own
# environment, so both tools converge to byte-identical results.
package { 'nginx-common': ensure => '1.22.1-9+deb12u9' }
package { 'nginx': ensure => '1.22.1-9+deb12u9', require => Package['nginx-common'] }
package { 'python3-venv': ensure => '3.11.2-1+b1' }
package { 'python3-gunicorn': ensure => '20.1.0-6+deb12u1' }
package { 'gunicorn': ensure => '20.1.0-6+deb12u1', require => Package['python3-gunicorn'] }

group { 'mysite': ensure => present, system => true }
user { 'mysite':
  ensure  => present,
  system  => true,
  gid     => 'mysite',
  shell   => '/usr/sbin/nologin',
  home    => '/srv/mysite',
  require => Group['mysite'],
}

file { '/etc/nginx/nginx.conf':
  source => '/bench/files/etc/nginx/nginx.conf', mode => '0644',
  require => Package['nginx'], notify => Service['nginx'],
}
file { '/etc/nginx/sites-enabled/default':
  ensure => absent, require => Package['nginx'], notify => Service['nginx'],
}
file { '/srv/mysite': ensure => directory, owner => 'root', group => 'root', mode => '0755' }
file { '/srv/mysite/app': ensure => directory, owner => 'root', group => 'mysite', mode => '0750' }
file { '/srv/mysite/app/wsgi.py':
  source => '/bench/files/srv/mysite/app/wsgi.py', owner => 'root', group => 'mysite', mode => '0640',
  notify => Service['mysite'],
}
file { '/etc/mysite': ensure => directory, owner => 'root', group => 'mysite', mode => '0750' }
file { '/etc/mysite/secrets.env':
  source => '/bench/files/etc/mysite/secrets.env', owner => 'root', group => 'mysite', mode => '0640',
  notify => Service['mysite'],
}
file { '/etc/mysite/gunicorn.conf.py':
  source => '/bench/files/etc/mysite/gunicorn.conf.py', owner => 'root', group => 'mysite', mode => '0640',
  notify => Service['mysite'],
}
file { '/etc/systemd/system/mysite.service':
  source => '/bench/files/etc/systemd/system/mysite.service', mode => '0644',
  notify => Service['mysite'],
}
file { '/etc/nginx/sites-available/mysite':
  source => '/bench/files/etc/nginx/sites-available/mysite', mode => '0644',
  require => Package['nginx'], notify => Service['nginx'],
}
file { '/etc/nginx/sites-enabled/mysite':
  ensure => link, target => '/etc/nginx/sites-available/mysite',
  require => Package['nginx'], notify => Service['nginx'],
}
exec { 'mysite-venv':
  command => '/usr/bin/python3 -m venv --system-site-packages /srv/mysite/venv',
  creates => '/srv/mysite/venv/bin/python',
  require => Package['python3-venv', 'python3-gunicorn'],
}
service { 'nginx':
  ensure => running, enable => true, restart => '/bin/systemctl reload nginx',
}
service { 'mysite':
  ensure => running, enable => true,
  require => [Exec['mysite-venv'], User['mysite'], File['/etc/systemd/system/mysite.service']],
}

# manifests/hardening.yaml: security updates, sshd hardened, fail2ban guarding it, logs rotated.
package { 'openssh-server': ensure => '1:9.2p1-2+deb12u10' }
package { 'fail2ban': ensure => '1.0.2-2' }
package { 'python3-systemd': ensure => '235-1+b2' }
package { 'unattended-upgrades': ensure => '2.9.1+nmu3' }
package { 'logrotate': ensure => '3.21.0-1' }
file { '/etc/ssh/sshd_config.d/hardening.conf':
  source => '/bench/files/etc/ssh/sshd_config.d/hardening.conf', mode => '0644',
  require => Package['openssh-server'], notify => Service['ssh'],
}
file { '/etc/fail2ban/jail.d/sshd.local':
  source => '/bench/files/etc/fail2ban/jail.d/sshd.local', mode => '0644',
  require => Package['fail2ban'], notify => Service['fail2ban'],
}
file { '/etc/apt/apt.conf.d/20auto-upgrades':
  source => '/bench/files/etc/apt/apt.conf.d/20auto-upgrades', mode => '0644',
  require => Package['unattended-upgrades'],
}
file { '/etc/logrotate.d/mysite':
  source => '/bench/files/etc/logrotate.d/mysite', mode => '0644',
  require => Package['logrotate'],
}
service { 'ssh': ensure => running, enable => true, restart => '/bin/systemctl reload ssh' }
service { 'fail2ban': ensure => running, enable => true, require => Package['python3-systemd'] }
